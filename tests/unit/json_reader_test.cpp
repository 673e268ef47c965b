// The typed JSON reader (core/json/reader.h) that the scenario loader and the sweep file
// reader share: what each helper accepts, and how it words what it refuses.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "json/reader.h"
#include "test_support.h"

using namespace opsim;

namespace {

std::string text_of(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const Diagnostic& d : ds) s += format_diagnostic(d, "f", "error") + "\n";
  return s;
}

}  // namespace

TEST_CASE("the reader reports unknown fields but lets x- keys through", "[reader]") {
  const json::Value v = test::must_parse(R"({"a": 1, "x-note": "free", "b": 2})");
  std::vector<Diagnostic> errors;
  json::Reader in(errors);
  CHECK(in.object(v, "$.o", {"a", "c"}));
  REQUIRE(errors.size() == 1);
  CHECK(text_of(errors) == "f:1:33: error: $.o.b: unknown field \"b\" (expected one of: a, c)\n");
  errors.clear();
  in.unknown_fields(v, "$", {"a"}, " here", ", or more");
  CHECK(errors.back().message == "unknown field \"b\" here (expected one of: a, or more)");
  errors.clear();
  CHECK_FALSE(in.object(test::must_parse("[1]"), "$", {"a"}));
  CHECK(errors.back().message == "expected an object, found an array of 1");
}

TEST_CASE("the reader's typed members: absent, required, out of range", "[reader]") {
  const json::Value v =
      test::must_parse(R"({"n": 2.5, "i": 3, "big": 300, "d": "90s", "e": "blue", "s": 5, "l": ["a", 1, "b"]})");
  std::vector<Diagnostic> errors;
  json::Reader in(errors);
  double n = 0;
  int i = 0;
  SimDuration d = 0;
  CHECK(in.read_number(v, "$", "n", n, 0, 10));
  CHECK(n == 2.5);
  CHECK(in.read_int(v, "$", "i", i, 0, 10));
  CHECK(i == 3);
  CHECK(in.read_duration(v, "$", "d", d, 0, kMicrosPerHour));
  CHECK(d == 90 * kMicrosPerSecond);
  CHECK(errors.empty());

  CHECK_FALSE(in.read_int(v, "$", "n", i, 0, 10));  // a fraction is not an integer
  CHECK(errors.back().message == "expected an integer from 0 to 10, found 2.5");
  CHECK(i == 3);  // unchanged
  CHECK_FALSE(in.read_int(v, "$", "big", i, 0, 100));
  CHECK(errors.back().path == "$.big");
  CHECK_FALSE(in.read_number(v, "$", "missing", n, 0, 1e300));  // absent and optional: no error
  const std::size_t before = errors.size();
  CHECK(in.error_count() == before);
  CHECK_FALSE(in.read_number(v, "$", "missing", n, 0, 1e300, true));
  CHECK(errors.back().message == "expected a number of at least 0, found nothing (the field is required)");
  CHECK(errors.back().line == 1);
  CHECK_FALSE(in.read_duration(v, "$", "d", d, 0, kMicrosPerMinute));
  CHECK(errors.back().message ==
        "expected a duration such as \"250ms\", \"30s\" or \"1h30m\" from 0s to 1m, found \"90s\"");

  enum class Colour { red, blue } colour = Colour::red;
  CHECK(in.read_enum(v, "$", "e", colour, {"red", "blue"}));
  CHECK(colour == Colour::blue);
  CHECK_FALSE(in.read_enum(v, "$", "s", colour, {"red", "blue"}));
  CHECK(errors.back().message == "expected one of \"red\", \"blue\", found 5");

  std::vector<std::string> list;
  CHECK(in.read_string_list(v, "$", "l", list));
  CHECK(list == std::vector<std::string>{"a", "b"});
  CHECK(errors.back().path == "$.l[1]");
}

TEST_CASE("the reader's arrays, ids and references", "[reader]") {
  const json::Value v = test::must_parse(R"({"items": [{"id": "a"}, {"id": "b"}, {"id": "a"}], "ref": "c"})");
  std::vector<Diagnostic> errors, warnings;
  json::Reader in(errors, &warnings);
  std::vector<std::string> paths;
  CHECK(in.read_array(v, "$", "items", true, 1, 3, "kMaxItems",
                      [&](const json::Value&, const std::string& p) { paths.push_back(p); }));
  CHECK(paths == std::vector<std::string>{"$.items[0]", "$.items[1]", "$.items[2]"});
  CHECK_FALSE(in.read_array(v, "$", "items", true, 1, 2, "kMaxItems", [](const json::Value&, const std::string&) {}));
  CHECK(errors.back().message == "too many entries: 3 exceeds the limit kMaxItems = 2");
  in.check_unique(v.find("items"), "$.items", "item");
  CHECK(errors.back().path == "$.items[2].id");
  CHECK(errors.back().message == "duplicate item id \"a\"");
  CHECK(in.resolve(v, "$", "ref", "c", {"a", "b"}, "item") == -1);
  CHECK(errors.back().message == "expected the id of an item (\"a\", \"b\"), found \"c\"");
  in.warn(&v, "$", "only a warning");
  CHECK(warnings.size() == 1);
  json::Reader no_warnings(errors);
  no_warnings.warn(&v, "$", "dropped");  // a document without warnings
  CHECK(warnings.size() == 1);
}
