#include "ingest/jsonl_reader.hpp"

#include <simdjson.h>

#include <cstring>

#include <fmt/format.h>

#include "ingest/column_map.hpp"
#include "util/text.hpp"

namespace medclaim {
namespace {

namespace od = simdjson::ondemand;

constexpr std::size_t k_read_bytes = 1 << 20;
constexpr std::size_t k_kept_bytes = 1 << 20;  // of an over-long line, for the rejects file

std::string_view trim_json(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

}  // namespace

// Walks one parsed line into the ClaimBuilder. Holds the simdjson parser so that
// the header need not name simdjson types.
struct JsonlReader::Walker {
    explicit Walker(JsonlReader& reader)
        : r(reader), builder_(reader.builder_), buffer_(reader.buffer_), key_(reader.key_), map_(reader.map_), parsed_(reader.parsed_) {}

    void parse(std::string_view line);
    void object_fields(od::object object, std::string_view prefix, bool in_line);
    void scalar(FieldId field, od::value value);
    void list(FieldId field, od::value value);
    std::uint32_t offset_of(const char* p) const { return r.offset_of(p); }
    std::optional<FieldId> resolve(std::string_view key, std::uint32_t at) { return r.resolve(key, at); }

    JsonlReader& r;
    ClaimBuilder& builder_;
    std::vector<char>& buffer_;
    std::string& key_;
    const ColumnMap& map_;
    bool& parsed_;
    od::parser parser;
};

JsonlReader::JsonlReader(std::string name, const ColumnMap& map, std::unique_ptr<ByteSource> source)
    : name_(std::move(name)), map_(map), source_(std::move(source)), walker_(std::make_unique<Walker>(*this)) {
    buffer_.resize(4 * k_read_bytes + simdjson::SIMDJSON_PADDING);
}

JsonlReader::~JsonlReader() = default;

std::uint32_t JsonlReader::offset_of(const char* p) const { return static_cast<std::uint32_t>(p - line_start_); }

bool JsonlReader::read_line(std::string_view& line, std::uint64_t& number, bool& truncated) {
    truncated = false;
    std::size_t scanned = 0;  // bytes of the current line already searched for '\n'
    for (;;) {
        const char* start = buffer_.data() + begin_;
        const void* nl = std::memchr(start + scanned, '\n', end_ - begin_ - scanned);
        if (nl != nullptr || (eof_ && end_ > begin_)) {
            std::size_t len = nl != nullptr ? static_cast<const char*>(nl) - start : end_ - begin_;
            number = ++line_number_;
            line = std::string_view(start, len);
            begin_ += len + (nl != nullptr ? 1 : 0);
            return true;
        }
        if (eof_) return false;
        scanned = end_ - begin_;
        if (scanned > k_max_line_bytes) {
            // Keep the head for the rejects file and skip to the end of the line.
            long_head_.assign(start, k_kept_bytes);
            begin_ = end_;
            for (;;) {
                std::size_t got = source_->read(buffer_.data(), buffer_.size() - simdjson::SIMDJSON_PADDING);
                if (got == 0) {
                    eof_ = true;
                    begin_ = end_ = 0;
                    break;
                }
                if (const void* p = std::memchr(buffer_.data(), '\n', got)) {
                    begin_ = static_cast<const char*>(p) - buffer_.data() + 1;
                    end_ = got;
                    break;
                }
            }
            number = ++line_number_;
            line = long_head_;
            truncated = true;
            return true;
        }
        // Compact, grow when a long line fills the buffer, and read more.
        if (begin_ > 0) {
            std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (buffer_.size() - simdjson::SIMDJSON_PADDING - end_ < k_read_bytes) buffer_.resize(buffer_.size() * 2);
        std::size_t got = source_->read(buffer_.data() + end_, buffer_.size() - simdjson::SIMDJSON_PADDING - end_);
        if (got == 0) eof_ = true;
        end_ += got;
    }
}

bool JsonlReader::next(ReadItem& item) {
    std::string_view line;
    std::uint64_t number = 0;
    bool truncated = false;
    do {
        if (!read_line(line, number, truncated)) return false;
    } while (!truncated && trim_json(trim(line)).empty());
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    item.clear();
    item.files[0] = name_;
    item.add_record(0, number, number, line, truncated);
    builder_.begin(item.claim);
    line_start_ = line.data();
    parsed_ = false;
    if (truncated) {
        builder_.report(Severity::error, std::nullopt, Where{0, Where::k_whole_record},
                        fmt::format("line is longer than {} MiB; the rejects file keeps its first 1 MiB", k_max_line_bytes >> 20));
    } else if (std::size_t bad = first_invalid_utf8(line); bad != std::string_view::npos) {
        builder_.report(Severity::error, std::nullopt, Where{0, static_cast<std::uint32_t>(bad)},
                        fmt::format("invalid UTF-8 byte 0x{:02x}; if the file is GBK or GB18030, use --encoding gb18030",
                                    static_cast<unsigned char>(line[bad])));
    } else {
        walker_->parse(line);
    }
    item.claim_id = item.claim.claim_id;
    item.accepted = parsed_ ? builder_.finish() : false;
    item.locate(builder_);
    return true;
}

void JsonlReader::Walker::parse(std::string_view line) {
    // The buffer always has SIMDJSON_PADDING readable bytes past any line in it.
    std::size_t capacity = static_cast<std::size_t>(buffer_.data() + buffer_.size() - line.data());
    od::document doc;
    auto fail = [&](simdjson::error_code e) {
        const char* at = nullptr;
        std::uint32_t where = Where::k_whole_record;
        if (doc.current_location().get(at) == simdjson::SUCCESS && at >= line.data() && at <= line.data() + line.size()) {
            where = offset_of(at);
        }
        builder_.report(Severity::error, std::nullopt, Where{0, where}, fmt::format("invalid JSON: {}", simdjson::error_message(e)));
    };
    if (auto e = parser.iterate(simdjson::padded_string_view(line.data(), line.size(), capacity)).get(doc); e) {
        fail(e);
        return;
    }
    od::object root;
    if (auto e = doc.get_object().get(root); e) {
        if (e == simdjson::INCORRECT_TYPE) {
            builder_.report(Severity::error, std::nullopt, Where{0, 0}, "a line must hold one JSON object: a claim");
        } else {
            fail(e);
        }
        return;
    }
    parsed_ = true;
    object_fields(root, "", false);
    const char* trailing = nullptr;
    if (parsed_ && !builder_.has_errors() && doc.current_location().get(trailing) == simdjson::SUCCESS) {
        builder_.report(Severity::error, std::nullopt, Where{0, Where::k_whole_record}, "invalid JSON: text after the claim object");
    }
}

std::optional<FieldId> JsonlReader::resolve(std::string_view key, std::uint32_t at) {
    auto it = keys_.find(key);
    if (it == keys_.end()) it = keys_.emplace(std::string(key), Resolution{map_.resolve(key), map_.is_ignored(key)}).first;
    if (!it->second.field && !it->second.warned) {
        it->second.warned = true;
        std::string_view hint = closest_match(key, field_names());
        builder_.report(Severity::warning, std::nullopt, Where{0, at},
                        hint.empty() ? fmt::format("unknown field `{}` is ignored", quote_excerpt(key))
                                     : fmt::format("unknown field `{}` is ignored; did you mean `{}`?", quote_excerpt(key), hint));
    }
    return it->second.field;
}

void JsonlReader::Walker::object_fields(od::object object, std::string_view prefix, bool in_line) {
    for (auto member : object) {
        std::string_view raw_key;
        if (auto e = member.unescaped_key().get(raw_key); e) {
            builder_.report(Severity::error, std::nullopt, Where{0, Where::k_whole_record}, fmt::format("invalid JSON: {}", simdjson::error_message(e)));
            return;
        }
        if (prefix.empty() && raw_key == "resourceType") {
            std::string_view type_name;
            if (member.value().get_string().get(type_name)) type_name = "?";
            builder_.report(Severity::error, std::nullopt, Where{0, 0},
                            fmt::format("this line is a FHIR `{}` resource, not a canonical medclaim claim; this version reads "
                                        "canonical JSON Lines and CSV only (see medclaim(1), INPUT)",
                                        quote_excerpt(type_name)));
            parsed_ = false;
            return;
        }
        key_.assign(prefix);
        key_.append(raw_key);
        od::value value;
        if (auto e = member.value().get(value); e) {
            builder_.report(Severity::error, std::nullopt, Where{0, Where::k_whole_record}, fmt::format("invalid JSON: {}", simdjson::error_message(e)));
            return;
        }
        od::json_type type;
        if (auto e = value.type().get(type); e) {
            builder_.report(Severity::error, std::nullopt, Where{0, Where::k_whole_record}, fmt::format("invalid JSON: {}", simdjson::error_message(e)));
            return;
        }
        std::string_view token = value.raw_json_token();
        std::uint32_t at = offset_of(token.data());
        if (!in_line && prefix.empty() && key_ == "lines") {
            od::array lines;
            if (value.get_array().get(lines)) {
                builder_.report(Severity::error, std::nullopt, Where{0, at}, "`lines` must be an array of fee-line objects");
                continue;
            }
            for (auto element : lines) {
                od::object line;
                std::string_view line_token;
                std::uint32_t line_at = element.raw_json_token().get(line_token) == simdjson::SUCCESS ? offset_of(line_token.data()) : 0;
                if (element.get_object().get(line)) {
                    builder_.report(Severity::error, std::nullopt, Where{0, line_at}, "each element of `lines` must be a fee-line object");
                    continue;
                }
                builder_.begin_line(Where{0, line_at});
                object_fields(line, "line.", true);
            }
            continue;
        }
        if (type == od::json_type::object && !in_line && prefix.empty()) {
            // Nested group: member, provider, visit, prior.
            std::string group = key_ + ".";
            od::object inner;
            if (value.get_object().get(inner) == simdjson::SUCCESS) object_fields(inner, group, false);
            continue;
        }
        auto field = resolve(key_, at);
        if (!field) continue;
        if (is_line_field(*field) != in_line) {
            builder_.report(Severity::error, field, Where{0, at},
                            in_line ? fmt::format("`{}` is a claim field, not a fee-line field", field_name(*field))
                                    : fmt::format("`{}` belongs inside an element of `lines`", field_name(*field)));
            continue;
        }
        if (is_list_field(*field) && type == od::json_type::array) {
            list(*field, value);
        } else {
            scalar(*field, value);
        }
    }
}

void JsonlReader::Walker::scalar(FieldId field, od::value value) {
    std::string_view token = value.raw_json_token();
    Where where{0, offset_of(token.data())};
    od::json_type type;
    if (value.type().get(type)) return;
    std::string_view text;
    switch (type) {
        case od::json_type::string:
            if (value.get_string().get(text)) {
                builder_.report(Severity::error, field, where, "invalid JSON string");
                return;
            }
            break;
        case od::json_type::number:
            builder_.set(field, map_.has_values(field) ? map_.map_value(field, trim_json(token)) : trim_json(token), where,
                         ValueSyntax::json_number);
            return;
        case od::json_type::boolean: {
            bool b = false;
            if (value.get_bool().get(b)) {
                builder_.report(Severity::error, field, where, "invalid JSON literal");
                return;
            }
            text = b ? "true" : "false";
            break;
        }
        case od::json_type::null: return;
        default:
            builder_.report(Severity::error, field, where, fmt::format("`{}` must be a single value, not an object or array", field_name(field)));
            return;
    }
    builder_.set(field, map_.has_values(field) ? map_.map_value(field, text) : text, where);
}

void JsonlReader::Walker::list(FieldId field, od::value value) {
    od::array array;
    if (value.get_array().get(array)) return;
    for (auto element : array) {
        std::string_view token;
        if (element.raw_json_token().get(token)) {
            builder_.report(Severity::error, field, Where{0, Where::k_whole_record}, "invalid JSON in a list");
            return;
        }
        Where where{0, offset_of(token.data())};
        od::json_type type;
        if (element.type().get(type)) return;
        std::string_view text;
        if (type == od::json_type::string && element.get_string().get(text) == simdjson::SUCCESS) {
            builder_.add_list_item(field, text, where);
            continue;
        }
        if (type == od::json_type::object && (field == FieldId::diagnoses || field == FieldId::procedures)) {
            od::object object;
            if (element.get_object().get(object)) continue;
            std::string code;
            std::string date;
            bool primary = false;
            for (auto member : object) {
                std::string_view key;
                if (member.unescaped_key().get(key)) break;
                if (key == "code") {
                    std::string_view v;
                    if (member.value().get_string().get(v) == simdjson::SUCCESS) code.assign(v);
                } else if (key == "primary" && field == FieldId::diagnoses) {
                    if (member.value().get_bool().get(primary)) {
                        builder_.report(Severity::error, field, where, "`diagnoses`: `primary` must be true or false");
                    }
                } else if (key == "date" && field == FieldId::procedures) {
                    std::string_view v;
                    if (member.value().get_string().get(v) == simdjson::SUCCESS) date.assign(v);
                } else {
                    builder_.report(Severity::warning, field, where, fmt::format("unknown key `{}` in `{}` is ignored", quote_excerpt(key), field_name(field)));
                }
            }
            if (field == FieldId::diagnoses) {
                builder_.add_diagnosis(code, primary, where);
            } else {
                builder_.add_procedure(code, date, where);
            }
            continue;
        }
        builder_.report(Severity::error, field, where, fmt::format("`{}`: each element must be a string{}", field_name(field),
                                                                   field == FieldId::diagnoses || field == FieldId::procedures ? " or an object with `code`" : ""));
    }
}

}  // namespace medclaim
