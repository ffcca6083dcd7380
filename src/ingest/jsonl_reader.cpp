#include "ingest/jsonl_reader.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "ingest/column_map.hpp"
#include "ingest/json_cursor.hpp"
#include "util/text.hpp"

namespace medclaim {
namespace {

constexpr std::size_t k_read_bytes = 1 << 20;
constexpr std::size_t k_first_buffer_bytes = 4 << 20;  // grows for longer lines
constexpr std::size_t k_kept_bytes = 1 << 20;  // of an over-long line, for the rejects file

std::string_view trim_json(std::string_view s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

}  // namespace

// Walks one line into the ClaimBuilder with a JsonCursor.
struct JsonlReader::Walker {
    explicit Walker(JsonlReader& reader) : r(reader), builder_(reader.builder_), key_(reader.key_), map_(reader.map_), parsed_(reader.parsed_) {}

    void parse(std::string_view line);
    bool object_fields(JsonCursor& c, std::string_view prefix, bool in_line);
    static std::size_t key_context(std::string_view prefix);
    std::optional<FieldId> lookup(std::size_t context, std::string_view prefix, std::string_view key);
    void scalar(JsonCursor& c, FieldId field, JsonCursor::Type type, std::uint32_t at);
    void list(JsonCursor& c, FieldId field);
    void list_object(JsonCursor& c, FieldId field, Where where);

    JsonlReader& r;
    ClaimBuilder& builder_;
    std::string& key_;
    const ColumnMap& map_;
    bool& parsed_;
};

JsonlReader::JsonlReader(std::string name, const ColumnMap& map, std::unique_ptr<ByteSource> source, ValueSyntax text)
    : name_(std::move(name)), map_(map), source_(std::move(source)), walker_(std::make_unique<Walker>(*this)), text_(text) {
    buffer_.resize(k_first_buffer_bytes);
}

JsonlReader::JsonlReader(std::string name, const ColumnMap& map, std::string_view text, ValueSyntax syntax, std::uint64_t first_line)
    : name_(std::move(name)), map_(map), walker_(std::make_unique<Walker>(*this)), text_view_(text.data()), line_number_(first_line - 1), text_(syntax) {
    end_ = text.size();
    eof_ = true;  // all of it is there: read_line never reads
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
        const char* start = (text_view_ != nullptr ? text_view_ : buffer_.data()) + begin_;
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
                std::size_t got = source_->read(buffer_.data(), buffer_.size());
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
        if (buffer_.size() - end_ < k_read_bytes) buffer_.resize(buffer_.size() * 2);
        std::size_t got = source_->read(buffer_.data() + end_, buffer_.size() - end_);
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
    JsonCursor c(line);
    if (c.peek() != JsonCursor::Type::object) {
        builder_.report(Severity::error, std::nullopt, Where{0, static_cast<std::uint32_t>(c.offset())}, "a line must hold one JSON object: a claim");
        return;
    }
    parsed_ = true;
    c.enter_object();
    bool complete = object_fields(c, "", false);
    if (c.failed()) {
        builder_.report_unreadable(Where{0, static_cast<std::uint32_t>(c.error_offset())}, "invalid JSON: " + c.error());
    } else if (complete && !c.at_end() && !builder_.has_errors()) {
        builder_.report(Severity::error, std::nullopt, Where{0, static_cast<std::uint32_t>(c.offset())}, "invalid JSON: text after the claim object");
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
        // The cursor hands back the hint itself when the key was the one expected.
        if (cache.cursor < cache.keys.size() && key.data() == cache.keys[cache.cursor].text.data()) return cache.keys[cache.cursor++].field;
        for (std::size_t i = 0; i < cache.keys.size(); ++i) {
            if (cache.keys[i].text == key) {
                cache.cursor = i + 1;
                return cache.keys[i].field;
            }
        }
    }
    key_.assign(prefix);
    key_.append(key);
    std::optional<FieldId> field = r.resolve(key_);
    if (context < k_key_contexts) {
        KeyCache& cache = r.key_caches_[context];
        bool plain = std::none_of(key.begin(), key.end(), [](char ch) { return ch == '"' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20; });
        cache.keys.insert(cache.keys.begin() + static_cast<std::ptrdiff_t>(std::min(cache.cursor, cache.keys.size())), {std::string(key), field, plain});
        cache.cursor = std::min(cache.cursor, cache.keys.size() - 1) + 1;
    }
    return field;
}

// Reads the members of the object the cursor has entered; false when the walk stops
// before its end (a JSON error, or a line that is not a claim).
bool JsonlReader::Walker::object_fields(JsonCursor& c, std::string_view prefix, bool in_line) {
    using Type = JsonCursor::Type;
    std::size_t context = key_context(prefix);
    if (context < k_key_contexts) r.key_caches_[context].cursor = 0;
    JsonCursor::Members members;
    std::string_view raw_key;
    auto hint = [&] { return context < k_key_contexts ? r.key_caches_[context].hint() : std::string_view(); };
    while (c.member(members, raw_key, hint())) {
        Type type = c.peek();
        auto at = static_cast<std::uint32_t>(c.offset());
        if (prefix.empty() && raw_key == "resourceType") {
            std::string_view type_name = "?";
            if (type == Type::string) c.string(type_name);
            builder_.report(Severity::error, std::nullopt, Where{0, 0},
                            fmt::format("this line is a FHIR `{}` resource, not a canonical medclaim claim; this version reads "
                                        "canonical JSON Lines and CSV only (see medclaim(1), INPUT)",
                                        quote_excerpt(type_name)));
            parsed_ = false;
            return false;
        }
        if (!in_line && prefix.empty() && raw_key == "lines") {
            if (type != Type::array) {
                builder_.report(Severity::error, std::nullopt, Where{0, at}, "`lines` must be an array of fee-line objects");
                if (!c.skip()) return false;
                continue;
            }
            c.enter_array();
            JsonCursor::Elements elements;
            while (c.element(elements)) {
                auto line_at = static_cast<std::uint32_t>(c.offset());
                if (c.peek() != Type::object) {
                    builder_.report(Severity::error, std::nullopt, Where{0, line_at}, "each element of `lines` must be a fee-line object");
                    if (!c.skip()) return false;
                    continue;
                }
                builder_.begin_line(Where{0, line_at});
                c.enter_object();
                if (!object_fields(c, "line.", true)) return false;
            }
            if (c.failed()) return false;
            continue;
        }
        auto field = lookup(context, prefix, raw_key);
        if (!field) {
            if (!in_line && prefix.empty() && type == Type::object) {
                // Nested group: member, provider, visit, prior.
                std::string group = std::string(raw_key) + ".";
                c.enter_object();
                if (!object_fields(c, group, false)) return false;
            } else {
                key_.assign(prefix);
                key_.append(raw_key);
                r.warn_unknown(key_, at);
                if (!c.skip()) return false;
            }
            continue;
        }
        if (is_line_field(*field) != in_line) {
            builder_.report(Severity::error, field, Where{0, at},
                            in_line ? fmt::format("`{}` is a claim field, not a fee-line field", field_name(*field))
                                    : fmt::format("`{}` belongs inside an element of `lines`", field_name(*field)));
            if (!c.skip()) return false;
            continue;
        }
        if (is_list_field(*field) && type == Type::array) {
            list(c, *field);
        } else {
            scalar(c, *field, type, at);
        }
        if (c.failed()) return false;
    }
    return !c.failed();
}

void JsonlReader::Walker::scalar(JsonCursor& c, FieldId field, JsonCursor::Type type, std::uint32_t at) {
    using Type = JsonCursor::Type;
    Where where{0, at};
    std::string_view text;
    ValueSyntax syntax = r.text_;
    switch (type) {
        case Type::string:
            if (!c.string(text)) return;
            break;
        case Type::number:
            if (!c.number(text)) return;
            syntax = ValueSyntax::json_number;
            break;
        case Type::true_value:
        case Type::false_value:
            if (!c.literal()) return;
            text = type == Type::true_value ? "true" : "false";
            break;
        case Type::null: c.literal(); return;  // null: absent
        case Type::object:
        case Type::array:
            if (!c.skip()) return;
            builder_.reject_value(field, where, fmt::format("`{}` must be a single value, not an object or array", field_name(field)));
            return;
        case Type::none: c.skip(); return;  // fails: no value here
    }
    builder_.set(field, map_.has_values(field) ? map_.map_value(field, text) : text, where, syntax);
}

void JsonlReader::Walker::list(JsonCursor& c, FieldId field) {
    using Type = JsonCursor::Type;
    c.enter_array();
    JsonCursor::Elements elements;
    while (c.element(elements)) {
        Type type = c.peek();
        Where where{0, static_cast<std::uint32_t>(c.offset())};
        if (type == Type::string) {
            std::string_view text;
            if (!c.string(text)) return;
            builder_.add_list_item(field, text, where);
        } else if (type == Type::object && (field == FieldId::diagnoses || field == FieldId::procedures)) {
            list_object(c, field, where);
        } else {
            if (!c.skip()) return;
            builder_.report(Severity::error, field, where, fmt::format("`{}`: each element must be a string{}", field_name(field),
                                                                       field == FieldId::diagnoses || field == FieldId::procedures ? " or an object with `code`" : ""));
        }
    }
}

// A diagnosis ({code, primary}) or a procedure ({code, date}) written as an object.
void JsonlReader::Walker::list_object(JsonCursor& c, FieldId field, Where where) {
    using Type = JsonCursor::Type;
    c.enter_object();
    JsonCursor::Members members;
    std::string_view key;
    std::string code;
    std::string date;
    bool primary = false;
    while (c.member(members, key)) {
        Type type = c.peek();
        std::string_view text;
        if (key == "code" && type == Type::string) {
            if (c.string(text)) code.assign(text);
        } else if (key == "date" && field == FieldId::procedures && type == Type::string) {
            if (c.string(text)) date.assign(text);
        } else if (key == "primary" && field == FieldId::diagnoses && (type == Type::true_value || type == Type::false_value)) {
            primary = type == Type::true_value;
            c.literal();
        } else if (key == "primary" && field == FieldId::diagnoses) {
            builder_.report(Severity::error, field, where, "`diagnoses`: `primary` must be true or false");
            c.skip();
        } else {
            bool known = key == "code" || (key == "date" && field == FieldId::procedures);
            if (!known) {
                builder_.report(Severity::warning, field, where, fmt::format("unknown key `{}` in `{}` is ignored", quote_excerpt(key), field_name(field)));
            }
            c.skip();
        }
    }
    if (c.failed()) return;
    if (field == FieldId::diagnoses) {
        builder_.add_diagnosis(code, primary, where);
    } else {
        builder_.add_procedure(code, date, where);
    }
}

}  // namespace medclaim
