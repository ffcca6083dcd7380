#pragma once

#include <array>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ingest/claim_builder.hpp"
#include "ingest/claim_reader.hpp"
#include "util/text.hpp"

namespace medclaim {

/// Reads JSON Lines: one claim object per line, fee lines nested under `lines`.
/// Rules: 1. keys are canonical names, nested (`"member": {"id": ...}`) or dotted
/// (`"member.id"`), or names the column map renames; 2. a list field takes a JSON array
/// or a `|`-separated string; 3. numbers keep the digits written (no binary rounding);
/// 4. an unknown key is warned about once per file and ignored; 5. a line longer than
/// k_max_line_bytes is rejected (the rejects file keeps its first 1 MiB).
class JsonlReader final : public ClaimReader {
public:
    static constexpr std::size_t k_max_line_bytes = 16 * 1024 * 1024;

    /// Reads `source` through a buffer of its own (it grows for long lines).
    JsonlReader(std::string name, const ColumnMap& map, std::unique_ptr<ByteSource> source, ValueSyntax text = ValueSyntax::text);
    /// Reads `text`, held in memory by the caller for the reader's life, in place;
    /// `first_line`: the line number of its first line (a piece of a file starts further down).
    JsonlReader(std::string name, const ColumnMap& map, std::string_view text, ValueSyntax syntax, std::uint64_t first_line);
    ~JsonlReader() override;
    bool next(ReadItem& item) override;

private:
    struct Walker;  // the simdjson-facing part, defined in the .cpp

    bool read_line(std::string_view& line, std::uint64_t& number, bool& truncated);
    std::optional<FieldId> resolve(std::string_view key);
    void warn_unknown(std::string_view key, std::uint32_t at);
    std::uint32_t offset_of(const char* p) const;

    std::string name_;
    const ColumnMap& map_;
    std::unique_ptr<ByteSource> source_;
    std::unique_ptr<Walker> walker_;
    std::vector<char> buffer_;
    const char* text_view_ = nullptr;  // the text read in place, if given whole
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    bool eof_ = false;
    std::uint64_t line_number_ = 0;
    const char* line_start_ = nullptr;

    ClaimBuilder builder_;
    std::string key_;        // scratch for dotted keys
    std::string long_head_;  // first bytes of an over-long line
    struct Resolution {
        std::optional<FieldId> field;
        bool warned = false;
    };
    std::unordered_map<std::string, Resolution, StringHash, std::equal_to<>> keys_;  // every key seen, resolved once

    // Keys of one kind of object (top level, member, provider, visit, prior, fee line)
    // in the order last seen: JSON Lines repeat that order, so the key expected next is
    // checked first and the hash table above is rarely touched.
    struct KeyCache {
        struct Key {
            std::string text;
            std::optional<FieldId> field;
            bool plain = false;  // no quote, backslash or control character: usable as a JsonCursor hint
        };
        std::vector<Key> keys;
        std::size_t cursor = 0;
        std::string_view hint() const { return cursor < keys.size() && keys[cursor].plain ? std::string_view(keys[cursor].text) : std::string_view(); }
    };
    static constexpr std::size_t k_key_contexts = 6;
    std::array<KeyCache, k_key_contexts> key_caches_;
    bool parsed_ = false;
    ValueSyntax text_;  // how numbers written as strings may look  // the line was a JSON object (so claim-level rules apply)
};

}  // namespace medclaim
