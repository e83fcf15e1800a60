#include "core/io/TorchArchiveCheck.h"

#include "core/io/PrintableText.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace moescope {

namespace {

// Bytes at an offset of the archive, from a file or from memory; false past its end.
using ReadAt = std::function<bool(uint64_t offset, size_t size, std::string& out)>;

uint64_t le(const std::string& b, size_t at, int bytes) {
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<size_t>(i)]);
    return v;
}

struct Record {
    uint64_t localOffset = 0, size = 0;
    bool stored = true;
};

class ZipDirectory {
public:
    ZipDirectory(const ReadAt& read, uint64_t fileSize, const TorchArchiveLimits& limits)
        : read_(read), fileSize_(fileSize), limits_(limits) {}

    bool load(std::string& why) {
        // The end-of-directory record is in the last 64 KiB + 22 bytes (its comment is at most 65,535).
        const uint64_t tail = std::min<uint64_t>(fileSize_, 65557);
        std::string end;
        if (tail < 22 || !read_(fileSize_ - tail, static_cast<size_t>(tail), end))
            return why = "not a zip archive (too short)", false;
        size_t eocd = std::string::npos;
        for (size_t i = end.size() - 22 + 1; i-- > 0;)
            if (le(end, i, 4) == 0x06054b50) {
                eocd = i;
                break;
            }
        if (eocd == std::string::npos) return why = "not a zip archive (no end of directory)", false;
        uint64_t entries = le(end, eocd + 10, 2), cdSize = le(end, eocd + 12, 4),
                 cdOffset = le(end, eocd + 16, 4);
        if (entries == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF) {
            // Zip64: the locator stands just before the end record and points at the zip64 end record.
            const uint64_t eocdAt = fileSize_ - tail + eocd;
            std::string loc, rec;
            if (eocdAt < 20 || !read_(eocdAt - 20, 20, loc) || le(loc, 0, 4) != 0x07064b50)
                return why = "damaged zip64 directory locator", false;
            if (!read_(le(loc, 8, 8), 56, rec) || le(rec, 0, 4) != 0x06064b50)
                return why = "damaged zip64 end of directory", false;
            entries = le(rec, 32, 8), cdSize = le(rec, 40, 8), cdOffset = le(rec, 48, 8);
        }
        if (entries > limits_.maxEntries) return why = "more zip records than a checkpoint holds", false;
        if (cdOffset > fileSize_ || cdSize > fileSize_ - cdOffset)
            return why = "the zip directory lies outside the file (truncated?)", false;
        std::string cd;
        if (!read_(cdOffset, static_cast<size_t>(cdSize), cd))
            return why = "cannot read the zip directory", false;
        size_t at = 0;
        for (uint64_t n = 0; n < entries; ++n) {
            if (at + 46 > cd.size() || le(cd, at, 4) != 0x02014b50)
                return why = "damaged zip directory", false;
            Record r;
            r.stored = le(cd, at + 10, 2) == 0;
            uint64_t comp = le(cd, at + 20, 4), size = le(cd, at + 24, 4);
            const size_t nameLen = le(cd, at + 28, 2), extraLen = le(cd, at + 30, 2),
                         commentLen = le(cd, at + 32, 2);
            r.localOffset = le(cd, at + 42, 4);
            if (at + 46 + nameLen + extraLen + commentLen > cd.size())
                return why = "damaged zip directory", false;
            const std::string name = cd.substr(at + 46, nameLen);
            // Zip64 sizes and offset, in this order, for each field the fixed part marks 0xFFFFFFFF.
            for (size_t x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen;) {
                const uint64_t id = le(cd, x, 2), len = le(cd, x + 2, 2);
                size_t v = x + 4;
                if (x + 4 + len > at + 46 + nameLen + extraLen) break;
                if (id == 0x0001) {
                    for (uint64_t* field : {&size, &comp, &r.localOffset})
                        if (*field == 0xFFFFFFFF && v + 8 <= x + 4 + len) *field = le(cd, v, 8), v += 8;
                }
                x += 4 + len;
            }
            r.size = size;
            if (r.stored && comp != size)
                return why = "zip record '" + printable(name) + "' is damaged", false;
            records_[name] = r;
            at += 46 + nameLen + extraLen + commentLen;
        }
        return true;
    }

    const Record* find(const std::string& name) const {
        const auto it = records_.find(name);
        return it == records_.end() ? nullptr : &it->second;
    }
    const std::map<std::string, Record>& records() const { return records_; }

    // Where a record's bytes start, after its local header; false when they do not lie inside the file.
    bool dataOffset(const std::string& name, const Record& r, uint64_t& offset, std::string& why) const {
        std::string local;
        if (!read_(r.localOffset, 30, local) || le(local, 0, 4) != 0x04034b50)
            return why = "zip record '" + printable(name) + "' has no local header (truncated?)", false;
        offset = r.localOffset + 30 + le(local, 26, 2) + le(local, 28, 2);
        if (offset > fileSize_ || r.size > fileSize_ - offset)
            return why = "zip record '" + printable(name) + "' runs past the end of the file (truncated)",
                   false;
        return true;
    }

private:
    const ReadAt& read_;
    uint64_t fileSize_;
    const TorchArchiveLimits& limits_;
    std::map<std::string, Record> records_;
};

// A storage a pickle names: its record key, element type and element count.
struct Storage {
    std::string key, type;
    uint64_t numel = 0;
};

int elementSize(const std::string& global) {
    static const std::map<std::string, int> sizes = {
        {"torch.FloatStorage", 4},    {"torch.DoubleStorage", 8},       {"torch.HalfStorage", 2},
        {"torch.BFloat16Storage", 2}, {"torch.LongStorage", 8},         {"torch.IntStorage", 4},
        {"torch.ShortStorage", 2},    {"torch.CharStorage", 1},         {"torch.ByteStorage", 1},
        {"torch.BoolStorage", 1},     {"torch.ComplexFloatStorage", 8}, {"torch.ComplexDoubleStorage", 16},
        {"torch.QInt8Storage", 1},    {"torch.QUInt8Storage", 1},       {"torch.QInt32Storage", 4}};
    const auto it = sizes.find(global);
    return it == sizes.end() ? 0 : it->second;
}

// The storages a pickle (protocol 2 to 4, as LibTorch's Pickler writes it) names through persistent ids
// ('storage', torch.XStorage, key, location, numel). Only enough of the pickle machine is run to see those
// tuples: values are kinds, not objects, and an opcode LibTorch never writes makes the file refused.
class PickleScan {
public:
    PickleScan(const std::string& p, const TorchArchiveLimits& limits) : p_(p), limits_(limits) {}

    bool run(std::vector<Storage>& out, std::string& why) {
        while (at_ < p_.size()) {
            const auto op = static_cast<unsigned char>(p_[at_++]);
            if (!step(op, out, why)) return false;
            if (op == '.') return true; // STOP
            if (stack_.size() > limits_.maxStackDepth) return why = "pickle nests too deeply", false;
        }
        return why = "the pickle ends without STOP (truncated)", false;
    }

private:
    struct Value {
        enum Kind { Mark, Str, Global, Int, Other } kind = Other;
        std::string text;
        int64_t number = 0;
    };

    bool take(size_t n, std::string& bytes) {
        if (n > p_.size() - at_) return false;
        bytes = p_.substr(at_, n);
        at_ += n;
        return true;
    }
    bool arg(int n, uint64_t& v) {
        std::string b;
        if (!take(static_cast<size_t>(n), b)) return false;
        v = le(b, 0, n);
        return true;
    }
    bool line(std::string& s) {
        const size_t nl = p_.find('\n', at_);
        if (nl == std::string::npos) return false;
        s = p_.substr(at_, nl - at_);
        at_ = nl + 1;
        return true;
    }
    bool pop(size_t n) {
        if (stack_.size() < n) return false;
        stack_.resize(stack_.size() - n);
        return true;
    }
    // Pops down to and including the last mark; the items above it in `items`.
    bool popMark(std::vector<Value>* items) {
        size_t m = stack_.size();
        while (m > 0 && stack_[m - 1].kind != Value::Mark)
            --m;
        if (m == 0) return false;
        if (items) items->assign(stack_.begin() + static_cast<long>(m), stack_.end());
        stack_.resize(m - 1);
        return true;
    }
    void push(Value::Kind kind, std::string text = {}, int64_t number = 0) {
        stack_.push_back({kind, std::move(text), number});
    }

    bool step(unsigned char op, std::vector<Storage>& out, std::string& why) {
        const auto damaged = [&] {
            return why = "damaged pickle (opcode at byte " + std::to_string(at_ - 1) + ")", false;
        };
        uint64_t n = 0;
        std::string s, t;
        switch (op) {
        case 0x80: // PROTO
            return arg(1, n) || damaged();
        case 0x95: // FRAME
            return arg(8, n) || damaged();
        case '.':
            return true;
        case '(':
            return push(Value::Mark), true;
        case 'X':   // BINUNICODE
        case 'T':   // BINSTRING
        case 'B':   // BINBYTES
        case 0x8c:  // SHORT_BINUNICODE
        case 'U':   // SHORT_BINSTRING
        case 'C': { // SHORT_BINBYTES
            const int width = (op == 'X' || op == 'T' || op == 'B') ? 4 : 1;
            if (!arg(width, n) || !take(static_cast<size_t>(n), s)) return damaged();
            return push(op == 'B' || op == 'C' ? Value::Other : Value::Str, s), true;
        }
        case 'c': // GLOBAL module\nname\n
            if (!line(s) || !line(t)) return damaged();
            return push(Value::Global, s + "." + t), true;
        case 'J':
            if (!arg(4, n)) return damaged();
            return push(Value::Int, {}, static_cast<int32_t>(n)), true;
        case 'K':
        case 'M':
            if (!arg(op == 'K' ? 1 : 2, n)) return damaged();
            return push(Value::Int, {}, static_cast<int64_t>(n)), true;
        case 0x8a: // LONG1: little-endian two's complement of n bytes
            if (!arg(1, n) || !take(static_cast<size_t>(n), s)) return damaged();
            return push(s.size() <= 8 ? Value::Int : Value::Other, {},
                        s.size() <= 8 && !s.empty()
                            ? static_cast<int64_t>(le(s, 0, static_cast<int>(s.size())))
                            : 0),
                   true;
        case 'G':
            return (take(8, s) || damaged()) && (push(Value::Other), true);
        case 'N':
        case 0x88:
        case 0x89:
        case ')':
        case ']':
        case '}':
            return push(Value::Other), true;
        case 'q':
        case 'r':
            if (!arg(op == 'q' ? 1 : 4, n) || stack_.empty()) return damaged();
            return memo_[n] = stack_.back(), true;
        case 0x94: // MEMOIZE
            if (stack_.empty()) return damaged();
            return memo_[memo_.size()] = stack_.back(), true;
        case 'h':
        case 'j': {
            if (!arg(op == 'h' ? 1 : 4, n)) return damaged();
            const auto it = memo_.find(n);
            if (it == memo_.end()) return damaged();
            stack_.push_back(it->second);
            return true;
        }
        case 't': { // TUPLE: the persistent id of a storage is one
            std::vector<Value> items;
            if (!popMark(&items)) return damaged();
            if (items.size() == 5 && items[0].kind == Value::Str && items[0].text == "storage" &&
                items[1].kind == Value::Global && items[2].kind == Value::Str &&
                items[4].kind == Value::Int) {
                if (items[4].number < 0) return damaged();
                out.push_back({items[2].text, items[1].text, static_cast<uint64_t>(items[4].number)});
            }
            return push(Value::Other), true;
        }
        case 0x85:
        case 0x86:
        case 0x87:
            return (pop(op - 0x84) || damaged()) && (push(Value::Other), true);
        case 'a':
        case 'b':
            return pop(1) || damaged(); // APPEND, BUILD: the value goes into the object below it
        case 'Q':                       // BINPERSID: the persistent id becomes the object it names
            if (stack_.empty()) return damaged();
            return stack_.back() = Value{}, true;
        case 's':
            return pop(2) || damaged();
        case 'e':
        case 'u':
            return popMark(nullptr) || damaged();
        case 'R':
        case 0x81:
            return (pop(2) || damaged()) && (push(Value::Other), true);
        case '0':
            return pop(1) || damaged();
        case '1':
            return popMark(nullptr) || damaged();
        case '2':
            if (stack_.empty()) return damaged();
            return stack_.push_back(stack_.back()), true;
        default:
            return why = "the pickle holds an opcode a LibTorch archive never does (0x" +
                         [&] {
                             char b[3];
                             std::snprintf(b, sizeof b, "%02x", op);
                             return std::string(b);
                         }() +
                         ")",
                   false;
        }
    }

    const std::string& p_;
    const TorchArchiveLimits& limits_;
    size_t at_ = 0;
    std::vector<Value> stack_;
    std::map<uint64_t, Value> memo_;
};

bool check(const ReadAt& read, uint64_t fileSize, const std::string& name, std::string& error,
           const TorchArchiveLimits& limits) {
    auto fail = [&](const std::string& why) {
        error = name + ": the checkpoint cannot be read (" + why + "); delete it to start over";
        return false;
    };
    ZipDirectory zip(read, fileSize, limits);
    std::string why;
    if (!zip.load(why)) return fail(why);
    int pickles = 0;
    for (const auto& [recordName, record] : zip.records()) {
        if (recordName.size() < 4 || recordName.compare(recordName.size() - 4, 4, ".pkl") != 0) continue;
        ++pickles;
        if (!record.stored) return fail("pickle '" + printable(recordName) + "' is compressed");
        if (record.size > limits.maxPickleBytes)
            return fail("pickle '" + printable(recordName) + "' is too large");
        uint64_t offset = 0;
        std::string bytes;
        if (!zip.dataOffset(recordName, record, offset, why)) return fail(why);
        if (!read(offset, static_cast<size_t>(record.size), bytes)) return fail("cannot read " + recordName);
        std::vector<Storage> storages;
        PickleScan scan(bytes, limits);
        if (!scan.run(storages, why)) return fail(printable(recordName) + ": " + why);
        // archive/data.pkl keeps its tensors in archive/data/KEY, archive/constants.pkl in
        // archive/constants/.
        const std::string dir = recordName.substr(0, recordName.size() - 4) + "/";
        for (const Storage& s : storages) {
            const int item = elementSize(s.type);
            if (item == 0) return fail("a storage of unknown type '" + printable(s.type) + "'");
            const std::string tensorRecord = dir + s.key;
            const Record* r = zip.find(tensorRecord);
            if (!r) return fail("tensor record '" + printable(tensorRecord) + "' is missing");
            if (!r->stored) return fail("tensor record '" + printable(tensorRecord) + "' is compressed");
            if (s.numel > UINT64_MAX / static_cast<uint64_t>(item))
                return fail("tensor record '" + printable(tensorRecord) + "' claims an impossible size");
            const uint64_t needed = s.numel * static_cast<uint64_t>(item);
            uint64_t at = 0;
            if (!zip.dataOffset(tensorRecord, *r, at, why)) return fail(why);
            if (r->size < needed)
                return fail("tensor record '" + printable(tensorRecord) + "' holds " +
                            std::to_string(r->size) + " bytes, its tensor needs " + std::to_string(needed) +
                            ": truncated");
        }
    }
    if (pickles == 0) return fail("no pickle in the archive: not a LibTorch file");
    return true;
}

} // namespace

bool checkTorchArchive(const std::string& path, std::string& error, const TorchArchiveLimits& limits) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        error =
            path + ": cannot read the checkpoint" + (fd < 0 ? std::string(": ") + std::strerror(errno) : "");
        if (fd >= 0) ::close(fd);
        return false;
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    const ReadAt read = [fd, size](uint64_t offset, size_t n, std::string& out) {
        if (offset > size || n > size - offset) return false;
        out.resize(n);
        size_t done = 0;
        while (done < n) {
            const ssize_t got = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
            if (got <= 0) return false;
            done += static_cast<size_t>(got);
        }
        return true;
    };
    const bool ok = check(read, size, path, error, limits);
    ::close(fd);
    return ok;
}

bool checkTorchArchiveBytes(const std::string& bytes, const std::string& name, std::string& error,
                            const TorchArchiveLimits& limits) {
    const ReadAt read = [&bytes](uint64_t offset, size_t n, std::string& out) {
        if (offset > bytes.size() || n > bytes.size() - offset) return false;
        out = bytes.substr(static_cast<size_t>(offset), n);
        return true;
    };
    return check(read, bytes.size(), name, error, limits);
}

} // namespace moescope
