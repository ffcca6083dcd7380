#include "ingest/policy_reader.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_set>

#include <fmt/format.h>

#include "ingest/claim_reader.hpp"
#include "ingest/intake.hpp"
#include "ingest/csv_tokenizer.hpp"
#include "ingest/json_cursor.hpp"
#include "util/error.hpp"
#include "util/json_writer.hpp"
#include "util/text.hpp"

namespace medclaim {
namespace {

constexpr std::size_t k_max_line_bytes = 1 << 20;  // a longer JSON line is rejected, its text cut here
constexpr std::size_t k_max_value_bytes = 256;     // ids, product names, options, codes
constexpr std::size_t k_max_items = 1000;          // items of one list
constexpr std::size_t k_read_bytes = 64 << 10;

enum class PField { policy_id, product, product_version, member_id, start_date, end_date, first_insured_date, health_status, conditions, options };
constexpr std::size_t k_field_count = std::size(k_policy_fields);

std::optional<PField> field_of(std::string_view name) {
    for (std::size_t i = 0; i < k_field_count; ++i) {
        if (k_policy_fields[i] == name) return static_cast<PField>(i);
    }
    return std::nullopt;
}

std::string_view name_of(PField f) { return k_policy_fields[static_cast<std::size_t>(f)]; }

bool is_list(PField f) { return f == PField::conditions || f == PField::options; }

// An ICD-10 code or a prefix of one: a capital letter, then letters, digits and dots.
bool is_condition_code(std::string_view s) {
    if (s.empty() || s.size() > 16 || s[0] < 'A' || s[0] > 'Z') return false;
    return std::all_of(s.begin() + 1, s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.'; });
}

// A diagnostic at byte `offset` of a record whose text starts on line `line`.
Diagnostic at(const std::string& file, std::uint64_t line, std::string_view text, std::size_t offset, std::string message,
              Severity severity = Severity::error) {
    Diagnostic d = diagnostic_at(file, text, offset, severity, std::move(message));
    d.line += line - 1;
    return d;
}

// The warning for a column or key that is no policy field.
Diagnostic unknown_name(Diagnostic d, std::string_view what, std::string_view name) {
    std::string_view near = closest_match(name, k_policy_fields);
    d.severity = Severity::warning;
    d.message = fmt::format("unknown {} `{}` is ignored{}", what, quote_excerpt(name), near.empty() ? "" : fmt::format(" (did you mean `{}`?)", near));
    return d;
}

// Builds one policy from its fields, keeping each error with the byte offset of the
// value that caused it.
class PolicyBuilder {
public:
    struct Problem {
        std::size_t offset;
        std::string message;
    };

    void reset() {
        p_ = Policy{};
        product_.clear();
        version_.clear();
        seen_.fill(false);
        dated_.fill(false);
        where_.fill(0);
        problems_.clear();
    }

    void set(PField f, std::string_view value, std::size_t offset) {
        auto i = static_cast<std::size_t>(f);
        if (seen_[i] && !is_list(f)) return fail(offset, fmt::format("`{}` is given twice", name_of(f)));
        seen_[i] = true;
        where_[i] = offset;
        if (is_list(f)) {
            // CSV: one `|`-separated cell.
            for (std::size_t from = 0; from <= value.size();) {
                std::size_t bar = std::min(value.find('|', from), value.size());
                std::string_view item = trim(value.substr(from, bar - from));
                if (!item.empty()) add_item(f, item, offset);
                from = bar + 1;
            }
            return;
        }
        value = trim(value);
        if (value.empty()) return;
        if (!utf8_checked_ && !is_valid_utf8(value)) return fail(offset, fmt::format("`{}` is not valid UTF-8", name_of(f)));
        switch (f) {
            case PField::start_date:
            case PField::end_date:
            case PField::first_insured_date: {
                std::optional<Date> d = Date::parse(value);
                if (!d) return fail(offset, fmt::format("`{}` `{}` is not a date (YYYY-MM-DD, a day that exists)", name_of(f), quote_excerpt(value)));
                (f == PField::start_date ? p_.start : f == PField::end_date ? p_.end : p_.first_insured) = *d;
                dated_[i] = true;
                return;
            }
            case PField::health_status:
                if (std::optional<HealthStatus> h = parse_enum<HealthStatus>(value)) {
                    p_.health = *h;
                } else {
                    fail(offset, fmt::format("`health_status` `{}` is not `healthy` or `preexisting`", quote_excerpt(value)));
                }
                return;
            default: break;
        }
        if (value.size() > k_max_value_bytes) return fail(offset, fmt::format("`{}` has more than {} bytes", name_of(f), k_max_value_bytes));
        std::string& out = f == PField::policy_id         ? p_.id
                           : f == PField::product         ? product_
                           : f == PField::product_version ? version_
                                                          : p_.member_id;
        out.assign(value);
    }

    void add_item(PField f, std::string_view item, std::size_t offset) {
        auto i = static_cast<std::size_t>(f);
        seen_[i] = true;
        const std::vector<std::string>& list = f == PField::conditions ? p_.conditions() : p_.options();
        if (list.size() == k_max_items) return fail(offset, fmt::format("`{}` has more than {} items", name_of(f), k_max_items));
        if (f == PField::conditions && !is_condition_code(item)) {
            return fail(offset, fmt::format("`conditions`: `{}` is not an ICD-10 code or prefix (such as C34 or E11.9)", quote_excerpt(item)));
        }
        if (item.size() > k_max_value_bytes || (!utf8_checked_ && !is_valid_utf8(item))) {
            return fail(offset, fmt::format("`{}`: `{}` is longer than {} bytes or not valid UTF-8", name_of(f), quote_excerpt(item), k_max_value_bytes));
        }
        if (f == PField::conditions) {
            p_.add_condition(item);
        } else {
            p_.add_option(item);
        }
    }

    void fail(std::size_t offset, std::string message) { problems_.push_back({offset, std::move(message)}); }
    // The whole record is valid UTF-8: its fields need no check of their own.
    void utf8_checked(bool yes) { utf8_checked_ = yes; }
    // `f` was given, but not as the kind of value it takes.
    void wrong_type(PField f, std::size_t offset, std::string_view expected) {
        auto i = static_cast<std::size_t>(f);
        seen_[i] = true;
        where_[i] = offset;
        fail(offset, fmt::format("`{}` must be {}", name_of(f), expected));
    }

    // Checks what one field cannot: required fields (a missing one is reported at its
    // empty value, or at the start of the record) and the order of dates. When all is
    // well, moves the policy into `out` and says true.
    bool finish(Policy& out) {
        for (PField f : {PField::policy_id, PField::product, PField::member_id, PField::start_date, PField::end_date}) {
            auto i = static_cast<std::size_t>(f);
            bool given = f == PField::start_date || f == PField::end_date ? dated_[i] : !text_of(f).empty();
            if (!given && !has_problem_at(i)) fail(seen_[i] ? where_[i] : 0, fmt::format("missing `{}`", name_of(f)));
        }
        auto start = static_cast<std::size_t>(PField::start_date);
        auto end = static_cast<std::size_t>(PField::end_date);
        auto first = static_cast<std::size_t>(PField::first_insured_date);
        if (dated_[start] && dated_[end] && p_.end < p_.start) {
            fail(where_[end], fmt::format("`end_date` {} is before `start_date` {}", p_.end.to_string(), p_.start.to_string()));
        }
        if (dated_[first] && dated_[start] && p_.first_insured > p_.start) {
            fail(where_[first], fmt::format("`first_insured_date` {} is after `start_date` {}: a renewal starts after the first policy",
                                            p_.first_insured.to_string(), p_.start.to_string()));
        }
        if (!dated_[first]) p_.first_insured = p_.start;
        if (!problems_.empty()) return false;
        p_.product = product_;  // views of the builder's strings until the book keeps them
        p_.product_version = version_;
        out = std::move(p_);
        return true;
    }

    const std::vector<Problem>& problems() const { return problems_; }
    const std::string& id() const { return p_.id; }

private:
    const std::string& text_of(PField f) const {
        return f == PField::policy_id ? p_.id : f == PField::product ? product_ : p_.member_id;
    }
    bool has_problem_at(std::size_t i) const {
        return seen_[i] && std::any_of(problems_.begin(), problems_.end(), [&](const Problem& p) { return p.offset == where_[i]; });
    }

    Policy p_;
    std::string product_;
    std::string version_;
    std::array<bool, k_field_count> seen_{};
    std::array<bool, k_field_count> dated_{};
    std::array<std::size_t, k_field_count> where_{};
    std::vector<Problem> problems_;
    bool utf8_checked_ = false;
};

// Takes one record's result into the book or the rejects. Valid policies are added a
// few at a time, their index slots prefetched first: a big book's slots are cache
// misses, and loading 600,000 policies spent most of its time waiting for them. What
// it reports keeps the input order: waiting policies are added before anything else
// is reported.
class Collector {
public:
    Collector(std::string file, DiagnosticSink& sink, PolicyRead& out) : file_(std::move(file)), sink_(sink), out_(out) {}

    void warn_once(const Diagnostic& d) {
        if (!warned_.insert(d.message).second) return;
        flush();
        sink_.report(d);
    }

    // `text` is the record from its first line; `problems` are located in it.
    void take(PolicyBuilder& b, std::uint64_t line, std::uint64_t end_line, std::string_view text, bool truncated,
              std::vector<Diagnostic> early = {}) {
        ++out_.records;
        if (waiting_ == pending_.size()) pending_.emplace_back();
        Pending& w = pending_[waiting_];
        if (early.empty() && b.finish(w.policy)) {
            ++waiting_;
            w.policy.line = line;
            // The product and version are views of the builder's strings, which the
            // next record overwrites: the book keeps them from now on.
            w.policy.product = out_.book.intern(w.policy.product);
            w.policy.product_version = out_.book.intern(w.policy.product_version);
            if (file_view_.empty()) file_view_ = out_.book.intern(file_);
            w.policy.file = file_view_;
            w.end_line = end_line;
            w.text.assign(text);
            w.truncated = truncated;
            if (waiting_ == k_batch) flush();
            return;
        }
        flush();
        std::vector<Diagnostic> errors = std::move(early);
        for (const PolicyBuilder::Problem& pr : b.problems()) errors.push_back(at(file_, line, text, pr.offset, pr.message));
        reject(b.id(), line, end_line, text, truncated, std::move(errors));
    }

    // Adds the policies waiting, in input order.
    void flush() {
        for (std::size_t i = 0; i < waiting_; ++i) {
            pending_[i].hashes = PolicyBook::hashes(pending_[i].policy);
            out_.book.prefetch_add(pending_[i].hashes);
        }
        for (std::size_t i = 0; i < waiting_; ++i) {
            Pending& w = pending_[i];
            // add() refuses a repeated id with the same probe that records a new one,
            // and leaves a policy it refuses as it was.
            if (out_.book.add_interned(std::move(w.policy), w.hashes)) continue;
            std::string id = w.policy.id;
            std::uint64_t line = w.policy.line;
            const Policy* first = out_.book.find(id);
            std::vector<Diagnostic> errors{at(file_, line, w.text, 0,
                                              first != nullptr ? fmt::format("duplicate policy_id `{}`: first seen at {}:{}", quote_excerpt(id), first->file, first->line)
                                                               : std::string("more policies than one run can hold (4,294,967,294)"))};
            reject(std::move(id), line, w.end_line, w.text, w.truncated, std::move(errors));
        }
        waiting_ = 0;
    }

    const std::string& file() const { return file_; }

private:
    static constexpr std::size_t k_batch = 16;
    struct Pending {
        Policy policy;
        PolicyBook::Hashes hashes;
        std::uint64_t end_line = 0;
        std::string text;
        bool truncated = false;
    };

    void reject(std::string id, std::uint64_t line, std::uint64_t end_line, std::string_view text, bool truncated, std::vector<Diagnostic> errors) {
        for (const Diagnostic& d : errors) sink_.report(d);
        RejectedPolicy r;
        r.policy_id = std::move(id);
        r.file = file_;
        r.line = line;
        r.end_line = end_line;
        r.text.assign(text);
        r.truncated = truncated;
        r.errors = std::move(errors);
        out_.rejected.push_back(std::move(r));
    }

    std::string file_;
    std::string_view file_view_;  // file_ as the book keeps it
    DiagnosticSink& sink_;
    PolicyRead& out_;
    std::unordered_set<std::string> warned_;
    std::vector<Pending> pending_;
    std::size_t waiting_ = 0;
};

void read_csv(ByteSource& source, Collector& c) {
    CsvTokenizer tokenizer(source);
    CsvRecord record;
    if (!tokenizer.next(record)) return;  // an empty file holds no policies
    if (record.error != CsvError::none) {
        Diagnostic d = at(c.file(), record.line, record.raw, record.error_offset, fmt::format("header: {}", describe(record.error)));
        throw InputError(format_diagnostic(d));
    }
    std::vector<std::optional<PField>> columns;
    std::vector<bool> seen(k_field_count);
    for (std::size_t i = 0; i < record.fields.size(); ++i) {
        std::string_view name = trim(record.fields[i]);
        std::optional<PField> f = field_of(name);
        if (!f) {
            c.warn_once(unknown_name(record_diagnostic(c.file(), record, i, {}), "column", name));
        } else if (seen[static_cast<std::size_t>(*f)]) {
            throw InputError(format_diagnostic(record_diagnostic(c.file(), record, i, fmt::format("header: column `{}` is given twice", name))));
        } else {
            seen[static_cast<std::size_t>(*f)] = true;
        }
        columns.push_back(f);
    }
    PolicyBuilder b;
    while (tokenizer.next(record)) {
        b.reset();
        std::vector<Diagnostic> early;
        if (record.error != CsvError::none) {
            early.push_back(at(c.file(), record.line, record.raw, record.error_offset, std::string(describe(record.error))));
        } else if (record.fields.size() != columns.size()) {
            early.push_back(at(c.file(), record.line, record.raw, 0,
                               fmt::format("the record has {} fields; the header has {}", record.fields.size(), columns.size())));
        } else {
            b.utf8_checked(is_valid_utf8(record.raw));
            for (std::size_t i = 0; i < columns.size(); ++i) {
                if (columns[i]) b.set(*columns[i], record.fields[i], record.field_starts[i]);
            }
        }
        // The id, for the rejects file, even when the record is malformed.
        c.take(b, record.line, record.end_line, record.raw, record.truncated, std::move(early));
    }
}

// One JSON Lines record.
void read_json_line(std::string_view text, std::uint64_t line, bool truncated, PolicyBuilder& b, Collector& c) {
    b.reset();
    if (truncated) {
        return c.take(b, line, line, text, true, {at(c.file(), line, text, k_max_line_bytes, fmt::format("the line is longer than {} bytes", k_max_line_bytes))});
    }
    if (std::size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
        return c.take(b, line, line, text, false, {at(c.file(), line, text, bad, "invalid UTF-8")});
    }
    b.utf8_checked(false);  // unescaped strings may differ from the checked line
    JsonCursor cur(text);
    JsonCursor::Members members;
    std::string_view key;
    auto json_error = [&] { return std::vector<Diagnostic>{at(c.file(), line, text, cur.error_offset(), fmt::format("invalid JSON: {}", cur.error()))}; };
    if (!cur.enter_object()) return c.take(b, line, line, text, false, json_error());
    while (cur.member(members, key)) {
        std::size_t offset = cur.offset();
        std::optional<PField> f = field_of(key);
        if (!f) {
            c.warn_once(unknown_name(at(c.file(), line, text, offset, {}), "key", key));
            cur.skip();
            continue;
        }
        JsonCursor::Type t = cur.peek();
        if (is_list(*f)) {
            if (t == JsonCursor::Type::null) {
                cur.literal();
                continue;
            }
            if (t != JsonCursor::Type::array) {
                b.wrong_type(*f, offset, "an array of strings");
                cur.skip();
                continue;
            }
            cur.enter_array();
            JsonCursor::Elements elements;
            while (cur.element(elements)) {
                std::size_t item_at = cur.offset();
                std::string_view item;
                if (cur.peek() != JsonCursor::Type::string) {
                    b.wrong_type(*f, item_at, "an array of strings");
                    cur.skip();
                } else if (cur.string(item)) {
                    b.add_item(*f, trim(item), item_at);
                }
            }
            continue;
        }
        if (t == JsonCursor::Type::null) {
            cur.literal();
            continue;
        }
        std::string_view value;
        if (t != JsonCursor::Type::string) {
            b.wrong_type(*f, offset, "a string");
            cur.skip();
            continue;
        }
        if (cur.string(value)) b.set(*f, value, offset);
    }
    if (cur.failed()) return c.take(b, line, line, text, false, json_error());
    if (!cur.at_end()) return c.take(b, line, line, text, false, {at(c.file(), line, text, cur.offset(), "invalid JSON: text after the object")});
    c.take(b, line, line, text, false);
}

void read_jsonl(ByteSource& source, Collector& c) {
    std::string text;  // the current line, up to one byte past the limit
    std::uint64_t line = 0;
    PolicyBuilder b;
    std::string chunk(k_read_bytes, '\0');
    auto flush = [&] {
        ++line;
        bool truncated = text.size() > k_max_line_bytes;
        std::string_view t(text);
        if (truncated) t = t.substr(0, k_max_line_bytes);
        if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
        if (!trim(t).empty()) read_json_line(t, line, truncated, b, c);
        text.clear();
    };
    for (;;) {
        std::size_t got = source.read(chunk.data(), chunk.size());
        if (got == 0) break;
        std::string_view data(chunk.data(), got);
        for (;;) {
            std::size_t nl = data.find('\n');
            std::string_view part = data.substr(0, std::min(nl, data.size()));
            text.append(part.substr(0, k_max_line_bytes + 1 - std::min(text.size(), k_max_line_bytes + 1)));
            if (nl == std::string_view::npos) break;
            flush();
            data.remove_prefix(nl + 1);
        }
    }
    if (!text.empty()) flush();
}

}  // namespace

PolicyRead read_policies(const std::string& path, DiagnosticSink& sink, Encoding encoding) {
    InputSpec spec;
    spec.path = path;
    spec.encoding = encoding;
    ResolvedInput in = resolve_input(spec, sink);
    PolicyRead out;
    Collector c(in.name, sink, out);
    if (in.format == InputFormat::jsonl) {
        read_jsonl(*in.source, c);
    } else {
        read_csv(*in.source, c);
    }
    c.flush();
    return out;
}

std::string policy_reconciliation_line(const PolicyRead& read) {
    return fmt::format("policies: {} read = {} accepted + {} rejected", read.records, read.book.size(), read.rejected.size());
}

void append_policy_reject_json(std::string& out, const RejectedPolicy& r) {
    JsonWriter w(out);
    w.begin_object();
    w.key("policy_id");
    w.string(r.policy_id);
    auto place = [&](const Diagnostic& d) {
        w.key("file");
        w.string(d.file);
        w.key("line");
        w.integer(static_cast<std::int64_t>(d.line));
        w.key("column");
        w.integer(d.column);
    };
    if (!r.errors.empty()) {
        place(r.errors.front());
        w.key("reason");
        w.string(r.errors.front().message);
    }
    w.key("errors");
    w.begin_array();
    for (const Diagnostic& d : r.errors) {
        w.begin_object();
        place(d);
        w.key("message");
        w.string(d.message);
        w.end_object();
    }
    w.end_array();
    w.key("records");
    w.begin_array();
    append_reject_record(w, r.file, r.line, r.end_line, r.text, r.truncated);
    w.end_array();
    w.end_object();
    out += '\n';
}

PolicyRead parse_policies_jsonl(const std::string& name, std::string_view text, DiagnosticSink& sink) {
    PolicyRead out;
    Collector c(name, sink, out);
    std::unique_ptr<ByteSource> source = view_source(text);
    read_jsonl(*source, c);
    c.flush();
    return out;
}

}  // namespace medclaim
