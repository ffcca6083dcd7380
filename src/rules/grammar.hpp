#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/ast.hpp"

namespace medclaim {

/// A syntax error in an expression, at a byte offset of its text.
struct SyntaxError {
    std::uint32_t offset = 0;
    std::string message;
};

/// Parses a rule expression (the grammar is in man/medclaim-rules.5). On failure,
/// appends a SyntaxError and returns nullopt; never throws for any input.
std::optional<ast::Expr> parse_expression(std::string_view text, std::vector<SyntaxError>& errors);


}  // namespace medclaim
