#include "ingest/jsonl_reader.hpp"

// Error codes only: a throwing simdjson call would not compile here (a malformed line must
// never escape as an exception).
#define SIMDJSON_EXCEPTIONS 0
#include <simdjson.h>

#include <algorithm>
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
    const char* line_start_end_ = nullptr;  // one past the current line
    od::document* doc_ = nullptr;           // the current line's document, once iterate() made it
    void json_error(simdjson::error_code e);
    void object_fields(od::object object, std::string_view prefix, bool in_line);
    static std::size_t key_context(std::string_view prefix);
    std::optional<FieldId> lookup(std::size_t context, std::string_view prefix, std::string_view key);
    void scalar(FieldId field, od::value value, std::string_view token, std::uint32_t at);
    void list(FieldId field, od::value value);
    std::uint32_t offset_of(const char* p) const { return r.offset_of(p); }

    JsonlReader& r;
    ClaimBuilder& builder_;
    std::vector<char>& buffer_;
    std::string& key_;
    const ColumnMap& map_;
    bool& parsed_;
    od::parser parser;
};

JsonlReader::JsonlReader(std::string name, const ColumnMap& map, std::unique_ptr<ByteSource> source, ValueSyntax text, std::uint64_t first_line,
                         std::size_t buffer_bytes)
    : name_(std::move(name)),
      map_(map),
      source_(std::move(source)),
      walker_(std::make_unique<Walker>(*this)),
      line_number_(first_line - 1),
      text_(text) {
    buffer_.resize(std::max(buffer_bytes, k_read_bytes) + simdjson::SIMDJSON_PADDING);
}

JsonlReader::~JsonlReader() = default;

std::uint32_t JsonlReader::offset_of(const char* p) const { return static_cast<std::uint32_t>(p - line_start_); }

bool JsonlReader::read_line(std::string_view& line, std::uint64_t& number, bool& truncated) {
    truncated = false;
    // Keeps the head of a line over the limit, for the rejects file, as the line.
    auto cut_short = [&](const char* start) {
        long_head_.assign(start, k_kept_bytes);
        line = long_head_;
        truncated = true;
    };
    std::size_t scanned = 0;  // bytes of the current line already searched for '\n'
    for (;;) {
        const char* start = buffer_.data() + begin_;
        const void* nl = std::memchr(start + scanned, '\n', end_ - begin_ - scanned);
        if (nl != nullptr || (eof_ && end_ > begin_)) {
            std::size_t len = nl != nullptr ? static_cast<const char*>(nl) - start : end_ - begin_;
            number = ++line_number_;
            line = std::string_view(start, len);
            begin_ += len + (nl != nullptr ? 1 : 0);
            if (len > k_max_line_bytes) cut_short(start);  // whether or not its end came in the same read
            return true;
        }
        if (eof_) return false;
        scanned = end_ - begin_;
        if (scanned > k_max_line_bytes) {
            // Keep the head and skip to the end of the line.
            cut_short(start);
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

void JsonlReader::Walker::json_error(simdjson::error_code e) {
    const char* at = nullptr;
    std::uint32_t where = Where::k_whole_record;
    if (doc_ != nullptr && doc_->current_location().get(at) == simdjson::SUCCESS && at >= r.line_start_ && at <= line_start_end_) {
        where = offset_of(at);
    }
    builder_.report_unreadable(Where{0, where}, fmt::format("invalid JSON: {}", simdjson::error_message(e)));
}

void JsonlReader::Walker::parse(std::string_view line) {
    line_start_end_ = line.data() + line.size();
    // The buffer always has SIMDJSON_PADDING readable bytes past any line in it.
    std::size_t capacity = static_cast<std::size_t>(buffer_.data() + buffer_.size() - line.data());
    od::document doc;
    doc_ = nullptr;
    if (auto e = parser.iterate(simdjson::padded_string_view(line.data(), line.size(), capacity)).get(doc); e) {
        json_error(e);
        return;
    }
    doc_ = &doc;  // current_location() is valid only on a document iterate() produced
    od::object root;
    if (auto e = doc.get_object().get(root); e) {
        if (e == simdjson::INCORRECT_TYPE) {
            builder_.report(Severity::error, std::nullopt, Where{0, 0}, "a line must hold one JSON object: a claim");
        } else {
            json_error(e);
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

std::optional<FieldId> JsonlReader::resolve(std::string_view key) {
    auto it = keys_.find(key);
    if (it == keys_.end()) it = keys_.emplace(std::string(key), Resolution{map_.resolve(key), map_.is_ignored(key)}).first;
    return it->second.field;
}

void JsonlReader::warn_unknown(std::string_view key, std::uint32_t at) {
    auto it = keys_.find(key);
    if (it == keys_.end()) it = keys_.emplace(std::string(key), Resolution{map_.resolve(key), map_.is_ignored(key)}).first;
    if (it->second.warned) return;
    it->second.warned = true;
    std::string_view hint = closest_match(key, field_names());
    builder_.report(Severity::warning, std::nullopt, Where{0, at},
                    hint.empty() ? fmt::format("unknown field `{}` is ignored", quote_excerpt(key))
                                 : fmt::format("unknown field `{}` is ignored; did you mean `{}`?", quote_excerpt(key), hint),
                    true);
}

// Context of a key prefix for the key caches; k_key_contexts when it has none.
std::size_t JsonlReader::Walker::key_context(std::string_view prefix) {
    static constexpr std::string_view k_prefixes[] = {"", "line.", "member.", "provider.", "visit.", "prior."};
    for (std::size_t i = 0; i < std::size(k_prefixes); ++i) {
        if (k_prefixes[i] == prefix) return i;
    }
    return JsonlReader::k_key_contexts;
}

std::optional<FieldId> JsonlReader::Walker::lookup(std::size_t context, std::string_view prefix, std::string_view key) {
    if (context < k_key_contexts) {
        KeyCache& cache = r.key_caches_[context];
        if (cache.cursor < cache.keys.size() && cache.keys[cache.cursor].first == key) return cache.keys[cache.cursor++].second;
        for (std::size_t i = 0; i < cache.keys.size(); ++i) {
            if (cache.keys[i].first == key) {
                cache.cursor = i + 1;
                return cache.keys[i].second;
            }
        }
    }
    key_.assign(prefix);
    key_.append(key);
    std::optional<FieldId> field = r.resolve(key_);
    if (context < k_key_contexts) {
        KeyCache& cache = r.key_caches_[context];
        cache.keys.insert(cache.keys.begin() + static_cast<std::ptrdiff_t>(std::min(cache.cursor, cache.keys.size())), {std::string(key), field});
        cache.cursor = std::min(cache.cursor, cache.keys.size() - 1) + 1;
    }
    return field;
}

void JsonlReader::Walker::object_fields(od::object object, std::string_view prefix, bool in_line) {
    std::size_t context = key_context(prefix);
    if (context < k_key_contexts) r.key_caches_[context].cursor = 0;
    for (auto result : object) {
        od::field member;
        if (auto e = std::move(result).get(member); e) {
            json_error(e);
            return;
        }
        // Keys without escapes (nearly all) are read in place, skipping the unescaper.
        std::string_view raw_key;
        const char* key_start = member.key().raw();
        const char* key_end = static_cast<const char*>(std::memchr(key_start, '"', static_cast<std::size_t>(line_start_end_ - key_start)));
        if (key_end != nullptr && std::memchr(key_start, '\\', static_cast<std::size_t>(key_end - key_start)) == nullptr) {
            raw_key = std::string_view(key_start, static_cast<std::size_t>(key_end - key_start));
        } else if (auto e = member.unescaped_key().get(raw_key); e) {
            json_error(e);
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
        od::value value = member.value();
        std::string_view token = value.raw_json_token();
        std::uint32_t at = offset_of(token.data());
        if (!in_line && prefix.empty() && raw_key == "lines") {
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
        auto field = lookup(context, prefix, raw_key);
        if (!field) {
            if (!in_line && prefix.empty() && !token.empty() && token.front() == '{') {
                // Nested group: member, provider, visit, prior.
                std::string group = std::string(raw_key) + ".";
                od::object inner;
                if (value.get_object().get(inner) == simdjson::SUCCESS) object_fields(inner, group, false);
            } else {
                key_.assign(prefix);
                key_.append(raw_key);
                r.warn_unknown(key_, at);
            }
            continue;
        }
        if (is_line_field(*field) != in_line) {
            builder_.report(Severity::error, field, Where{0, at},
                            in_line ? fmt::format("`{}` is a claim field, not a fee-line field", field_name(*field))
                                    : fmt::format("`{}` belongs inside an element of `lines`", field_name(*field)));
            continue;
        }
        if (is_list_field(*field) && !token.empty() && token.front() == '[') {
            list(*field, value);
        } else {
            scalar(*field, value, token, at);
        }
    }
}

void JsonlReader::Walker::scalar(FieldId field, od::value value, std::string_view token, std::uint32_t at) {
    Where where{0, at};
    std::string_view text;
    // The raw token's first byte tells the JSON type (the parser has validated it).
    switch (token.empty() ? '\0' : token.front()) {
        case '"':
            // Strings without escapes are read in place, skipping the unescaper.
            if (std::string_view t = trim_json(token); t.size() >= 2 && t.back() == '"' && t.find('\\') == std::string_view::npos) {
                text = t.substr(1, t.size() - 2);
            } else if (value.get_string().get(text)) {
                builder_.report(Severity::error, field, where, "invalid JSON string");
                return;
            }
            break;
        case 't': text = "true"; break;
        case 'f': text = "false"; break;
        case 'n': return;  // null: absent
        case '{':
        case '[':
            builder_.reject_value(field, where, fmt::format("`{}` must be a single value, not an object or array", field_name(field)));
            return;
        default:
            text = trim_json(token);
            builder_.set(field, map_.has_values(field) ? map_.map_value(field, text) : text, where, ValueSyntax::json_number);
            return;
    }
    builder_.set(field, map_.has_values(field) ? map_.map_value(field, text) : text, where, r.text_);
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
