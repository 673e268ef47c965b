// The PromQL parser against Prometheus 2.42's own parser tests (promql/parser/parse_test.go,
// printer_test.go): the same inputs, accepted or refused as Prometheus does, printed as its
// String() prints them, and refused at the line:column where Prometheus places the error.
// The inputs are transcribed from those tests; the expected texts follow printer.go's rules
// (Prometheus's own expectations where printer_test.go gives them). Each error is checked for
// its position and for what it says was expected.
//
// Index:
//   [SECTION] Tables: valid expressions and their canonical text
//   [SECTION] Tables: invalid expressions and where they fail
//   [SECTION] Round trips and errors
//   [SECTION] The tree: units, types, matching
//   [SECTION] Lexer, durations, numbers, regexes
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "promql/lexer.h"
#include "promql/parser.h"

using namespace opsim;
using namespace opsim::promql;

namespace {

// ---------------------------------------------------------------------------------------------
// [SECTION] Tables: valid expressions and their canonical text
// ---------------------------------------------------------------------------------------------

struct ValidCase {
  const char* input;
  const char* printed;
};

// parse_test.go's valid inputs (those without the @ modifier, which opsim refuses).
const std::vector<ValidCase> kPrometheusValid = {
    {"1", "1"},
    {"+Inf", "+Inf"},
    {"-Inf", "-Inf"},
    {".5", "0.5"},
    {"5.", "5"},
    {"123.4567", "123.4567"},
    {"5e-3", "0.005"},
    {"5e3", "5000"},
    {"0xc", "12"},
    {"0755", "493"},
    {"+5.5e-3", "0.0055"},
    {"-0755", "-493"},
    {"1 + 1", "1 + 1"},
    {"1 - 1", "1 - 1"},
    {"1 * 1", "1 * 1"},
    {"1 % 1", "1 % 1"},
    {"1 / 1", "1 / 1"},
    {"1 == bool 1", "1 == bool 1"},
    {"1 != bool 1", "1 != bool 1"},
    {"1 > bool 1", "1 > bool 1"},
    {"1 >= bool 1", "1 >= bool 1"},
    {"1 < bool 1", "1 < bool 1"},
    {"1 <= bool 1", "1 <= bool 1"},
    {"-1^2", "-1 ^ 2"},
    {"-1*2", "-1 * 2"},
    {"-1+2", "-1 + 2"},
    {"-1^-2", "-1 ^ -2"},
    {"+1 + -2 * 1", "1 + -2 * 1"},
    {"1 + 2/(3*1)", "1 + 2 / (3 * 1)"},
    {"1 < bool 2 - 1 * 2", "1 < bool 2 - 1 * 2"},
    {"-some_metric", "-some_metric"},
    {"+some_metric", "+some_metric"},
    {" +some_metric", "+some_metric"},
    {"foo * bar", "foo * bar"},
    {"foo * sum", "foo * sum"},
    {"foo == 1", "foo == 1"},
    {"foo == bool 1", "foo == bool 1"},
    {"2.5 / bar", "2.5 / bar"},
    {"foo and bar", "foo and bar"},
    {"foo or bar", "foo or bar"},
    {"foo unless bar", "foo unless bar"},
    {"foo * on(test,blub) bar", "foo * on (test, blub) bar"},
    {"foo * on(test,blub) group_left bar", "foo * on (test, blub) group_left () bar"},
    {"foo and on(test,blub) bar", "foo and on (test, blub) bar"},
    {"foo and on() bar", "foo and on () bar"},
    {"foo and ignoring(test,blub) bar", "foo and ignoring (test, blub) bar"},
    {"foo and ignoring() bar", "foo and bar"},
    {"foo unless on(bar) baz", "foo unless on (bar) baz"},
    {"foo / on(test,blub) group_left(bar) bar", "foo / on (test, blub) group_left (bar) bar"},
    {"foo / ignoring(test,blub) group_left(blub) bar", "foo / ignoring (test, blub) group_left (blub) bar"},
    {"foo / ignoring(test,blub) group_left(bar) bar", "foo / ignoring (test, blub) group_left (bar) bar"},
    {"foo - on(test,blub) group_right(bar,foo) bar", "foo - on (test, blub) group_right (bar, foo) bar"},
    {"foo - ignoring(test,blub) group_right(bar,foo) bar", "foo - ignoring (test, blub) group_right (bar, foo) bar"},
    {"foo", "foo"},
    {"min", "min"},
    {"foo offset 5m", "foo offset 5m"},
    {"foo offset -7m", "foo offset -7m"},
    {"foo OFFSET 1h30m", "foo offset 1h30m"},
    {"foo OFFSET 1m30ms", "foo offset 1m30ms"},
    {"foo:bar{a=\"bc\"}", "foo:bar{a=\"bc\"}"},
    {"foo{NaN='bc'}", "foo{NaN=\"bc\"}"},
    {"foo{bar='}'}", "foo{bar=\"}\"}"},
    {"foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\"}", "foo{a=\"b\",bar!~\"baz\",foo!=\"bar\",test=~\"test\"}"},
    {"foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\",}", "foo{a=\"b\",bar!~\"baz\",foo!=\"bar\",test=~\"test\"}"},
    {"test[5s]", "test[5s]"},
    {"test[5m]", "test[5m]"},
    {"foo[5m30s]", "foo[5m30s]"},
    {"test[5h] OFFSET 5m", "test[5h] offset 5m"},
    {"test[5d] OFFSET 10s", "test[5d] offset 10s"},
    {"test[5w] offset 2w", "test[5w] offset 2w"},
    {"test{a=\"b\"}[5y] OFFSET 3d", "test{a=\"b\"}[5y] offset 3d"},
    {"sum by (foo)(some_metric)", "sum by (foo) (some_metric)"},
    {"avg by (foo)(some_metric)", "avg by (foo) (some_metric)"},
    {"max by (foo)(some_metric)", "max by (foo) (some_metric)"},
    {"sum without (foo) (some_metric)", "sum without (foo) (some_metric)"},
    {"sum (some_metric) without (foo)", "sum without (foo) (some_metric)"},
    {"stddev(some_metric)", "stddev(some_metric)"},
    {"stdvar by (foo)(some_metric)", "stdvar by (foo) (some_metric)"},
    {"sum by ()(some_metric)", "sum(some_metric)"},
    {"sum by (foo,bar,)(some_metric)", "sum by (foo, bar) (some_metric)"},
    {"sum by (foo,)(some_metric)", "sum by (foo) (some_metric)"},
    {"topk(5, some_metric)", "topk(5, some_metric)"},
    {"count_values(\"value\", some_metric)", "count_values(\"value\", some_metric)"},
    {"time()", "time()"},
    {"floor(some_metric{foo!=\"bar\"})", "floor(some_metric{foo!=\"bar\"})"},
    {"rate(some_metric[5m])", "rate(some_metric[5m])"},
    {"round(some_metric)", "round(some_metric)"},
    {"round(some_metric, 5)", "round(some_metric, 5)"},
    {"sum(sum)", "sum(sum)"},
    {"a + sum", "a + sum"},
    {"\"double-quoted string \\\" with escaped quote\"", "\"double-quoted string \\\" with escaped quote\""},
    {"'single-quoted string \\' with escaped quote'", "\"single-quoted string ' with escaped quote\""},
    {"`backtick-quoted string`", "\"backtick-quoted string\""},
    {"\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\" - \\xFF\\377\\u1234\\U00010111\\U0001011111\342\230\272\"", "\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\" - \\xff\\xff\341\210\264\360\220\204\221\360\220\204\22111\342\230\272\""},
    {"'\\a\\b\\f\\n\\r\\t\\v\\\\\\' - \\xFF\\377\\u1234\\U00010111\\U0001011111\342\230\272'", "\"\\a\\b\\f\\n\\r\\t\\v\\\\' - \\xff\\xff\341\210\264\360\220\204\221\360\220\204\22111\342\230\272\""},
    {"foo{bar=\"baz\"}[10m:6s]", "foo{bar=\"baz\"}[10m:6s]"},
    {"foo{bar=\"baz\"}[10m5s:1h6ms]", "foo{bar=\"baz\"}[10m5s:1h6ms]"},
    {"foo[10m:]", "foo[10m:]"},
    {"min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:5s])", "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:5s])"},
    {"min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:])[4m:3s]", "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:])[4m:3s]"},
    {"min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] offset 4m)[4m:3s]", "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] offset 4m)[4m:3s]"},
    {"sum without(and, by, avg, count, alert, annotations)(some_metric) [30m:10s]", "sum without (and, by, avg, count, alert, annotations) (some_metric)[30m:10s]"},
    {"some_metric OFFSET 1m [10m:5s]", "some_metric offset 1m[10m:5s]"},
    {"(foo + bar{nm=\"val\"})[5m:]", "(foo + bar{nm=\"val\"})[5m:]"},
    {"(foo + bar{nm=\"val\"})[5m:] offset 10m", "(foo + bar{nm=\"val\"})[5m:] offset 10m"},
    {"start", "start"},
    {"end", "end"},
    {"start{end=\"foo\"}", "start{end=\"foo\"}"},
    {"end{start=\"foo\"}", "end{start=\"foo\"}"},
    {"foo unless on(start) bar", "foo unless on (start) bar"},
    {"foo unless on(end) bar", "foo unless on (end) bar"},
};

// printer_test.go's pairs (input, what String() prints), without @.
const std::vector<ValidCase> kPrometheusPrinted = {
    {"sum by() (task:errors:rate10s{job=\"s\"})", "sum(task:errors:rate10s{job=\"s\"})"},
    {"sum by(code) (task:errors:rate10s{job=\"s\"})", "sum by (code) (task:errors:rate10s{job=\"s\"})"},
    {"sum without() (task:errors:rate10s{job=\"s\"})", "sum without () (task:errors:rate10s{job=\"s\"})"},
    {"sum without(instance) (task:errors:rate10s{job=\"s\"})", "sum without (instance) (task:errors:rate10s{job=\"s\"})"},
    {"topk(5, task:errors:rate10s{job=\"s\"})", "topk(5, task:errors:rate10s{job=\"s\"})"},
    {"count_values(\"value\", task:errors:rate10s{job=\"s\"})", "count_values(\"value\", task:errors:rate10s{job=\"s\"})"},
    {"a - on() c", "a - on () c"},
    {"a - on(b) c", "a - on (b) c"},
    {"a - on(b) group_left(x) c", "a - on (b) group_left (x) c"},
    {"a - on(b) group_left(x, y) c", "a - on (b) group_left (x, y) c"},
    {"a - on(b) group_left c", "a - on (b) group_left () c"},
    {"a - on(b) group_left() (c)", "a - on (b) group_left () (c)"},
    {"a - ignoring(b) c", "a - ignoring (b) c"},
    {"a - ignoring() c", "a - c"},
    {"up > bool 0", "up > bool 0"},
    {"a offset 1m", "a offset 1m"},
    {"a offset -7m", "a offset -7m"},
    {"a{c=\"d\"}[5m] offset 1m", "a{c=\"d\"}[5m] offset 1m"},
    {"a[5m] offset 1m", "a[5m] offset 1m"},
    {"a[12m] offset -3m", "a[12m] offset -3m"},
    {"a[1h:5m] offset 1m", "a[1h:5m] offset 1m"},
    {"{__name__=\"a\"}", "{__name__=\"a\"}"},
    {"a{b!=\"c\"}[1m]", "a{b!=\"c\"}[1m]"},
    {"a{b=~\"c\"}[1m]", "a{b=~\"c\"}[1m]"},
    {"a{b!~\"c\"}[1m]", "a{b!~\"c\"}[1m]"},
};

// opsim's own: the issue's functions and aggregations, precedence, numbers, durations.
const std::vector<ValidCase> kOpsimValid = {
    {"1e6", "1e+06"},
    {"123456", "123456"},
    {"1234567", "1.234567e+06"},
    {"0.0001", "0.0001"},
    {"0.00001", "1e-05"},
    {"-0.5", "-0.5"},
    {"NaN", "NaN"},
    {"nan", "NaN"},
    {"Inf", "+Inf"},
    {"1e-5 + 2.5e10", "1e-05 + 2.5e+10"},
    {"sum(rate(opsim_requests_total{outcome=\"failed\"}[5m])) by (tenant) / sum(rate(opsim_requests_total[5m])) by (tenant)", "sum by (tenant) (rate(opsim_requests_total{outcome=\"failed\"}[5m])) / sum by (tenant) (rate(opsim_requests_total[5m]))"},
    {"histogram_quantile(0.95, sum by (le, tenant) (rate(opsim_request_duration_seconds_bucket[5m])))", "histogram_quantile(0.95, sum by (le, tenant) (rate(opsim_request_duration_seconds_bucket[5m])))"},
    {"a ^ b ^ c", "a ^ b ^ c"},
    {"a - b - c", "a - b - c"},
    {"a / b * c", "a / b * c"},
    {"a + b * c", "a + b * c"},
    {"a * b + c", "a * b + c"},
    {"a or b and c", "a or b and c"},
    {"a and b or c", "a and b or c"},
    {"a unless b and c", "a unless b and c"},
    {"a > b + c", "a > b + c"},
    {"-a * b", "-a * b"},
    {"-a ^ b", "-a ^ b"},
    {"2 ^ -1 * 3", "2 ^ -1 * 3"},
    {"a + -b * c", "a + -b * c"},
    {"(a + b) * c", "(a + b) * c"},
    {"a == bool b", "a == bool b"},
    {"a >= bool on (x) b", "a >= bool on (x) b"},
    {"a * ignoring (instance) group_right (x, y) b", "a * ignoring (instance) group_right (x, y) b"},
    {"a * on () group_left () b", "a * on () group_left () b"},
    {"foo offset -1h30m", "foo offset -1h30m"},
    {"foo[1h] offset -5m", "foo[1h] offset -5m"},
    {"foo[90m]", "foo[1h30m]"},
    {"foo[7d]", "foo[1w]"},
    {"foo[14d]", "foo[2w]"},
    {"foo[365d]", "foo[1y]"},
    {"foo[60s]", "foo[1m]"},
    {"foo[1000ms]", "foo[1s]"},
    {"foo[1500ms]", "foo[1s500ms]"},
    {"rate(foo[5m:])", "rate(foo[5m:])"},
    {"rate(foo[5m:30s] offset 1m)", "rate(foo[5m:30s] offset 1m)"},
    {"sum(foo) without ()", "sum without () (foo)"},
    {"sum by (job, instance) (foo)", "sum by (job, instance) (foo)"},
    {"count_values(\"code\", foo)", "count_values(\"code\", foo)"},
    {"quantile(0.9, foo)", "quantile(0.9, foo)"},
    {"bottomk(3, foo)", "bottomk(3, foo)"},
    {"avg_over_time(foo[1h])", "avg_over_time(foo[1h])"},
    {"quantile_over_time(0.5, foo[1h])", "quantile_over_time(0.5, foo[1h])"},
    {"absent(nonexistent{job=\"x\"})", "absent(nonexistent{job=\"x\"})"},
    {"absent_over_time(foo[5m])", "absent_over_time(foo[5m])"},
    {"clamp(foo, 0, 1)", "clamp(foo, 0, 1)"},
    {"clamp_min(foo, 0)", "clamp_min(foo, 0)"},
    {"clamp_max(foo, 100)", "clamp_max(foo, 100)"},
    {"label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\")", "label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\")"},
    {"vector(1)", "vector(1)"},
    {"scalar(foo)", "scalar(foo)"},
    {"timestamp(foo)", "timestamp(foo)"},
    {"sort_desc(foo)", "sort_desc(foo)"},
    {"sort(foo)", "sort(foo)"},
    {"abs(-foo)", "abs(-foo)"},
    {"ceil(foo)", "ceil(foo)"},
    {"increase(foo[1h])", "increase(foo[1h])"},
    {"irate(foo[5m])", "irate(foo[5m])"},
    {"idelta(foo[5m])", "idelta(foo[5m])"},
    {"delta(foo[5m])", "delta(foo[5m])"},
    {"stddev_over_time(foo[5m])", "stddev_over_time(foo[5m])"},
    {"stdvar_over_time(foo[5m])", "stdvar_over_time(foo[5m])"},
    {"last_over_time(foo[5m])", "last_over_time(foo[5m])"},
    {"present_over_time(foo[5m])", "present_over_time(foo[5m])"},
    {"count_over_time(foo[5m])", "count_over_time(foo[5m])"},
    {"sum_over_time(foo[5m])", "sum_over_time(foo[5m])"},
    {"max_over_time(foo[5m])", "max_over_time(foo[5m])"},
    {"{__name__=\"x\"}", "{__name__=\"x\"}"},
    {"{__name__=~\"job:.*\"}", "{__name__=~\"job:.*\"}"},
    {"foo{job=~\"a|b\"}", "foo{job=~\"a|b\"}"},
    {"{job=~\".+\"}", "{job=~\".+\"}"},
    {"{job!~\"\"}", "{job!~\"\"}"},
    {"SUM(foo) BY (job)", "sum by (job) (foo)"},
    {"foo AND bar", "foo and bar"},
    {"foo{job=\"a\\nb\"}", "foo{job=\"a\\nb\"}"},
    {"\"tab\\there\"", "\"tab\\there\""},
    {"foo == bool 1 + 2", "foo == bool 1 + 2"},
    {"foo{a=\"b\",a=\"c\"}", "foo{a=\"b\",a=\"c\"}"},
    {"# a comment\nrate(foo[5m]) # another\n", "rate(foo[5m])"},
    {"sum(\n  rate(foo[5m])  # per second\n) by (job)", "sum by (job) (rate(foo[5m]))"},
};

// ---------------------------------------------------------------------------------------------
// [SECTION] Tables: invalid expressions and where they fail
// ---------------------------------------------------------------------------------------------

struct InvalidCase {
  const char* input;
  int line, column;  // of the offending token, 1-based
  const char* expected;  // how the message begins: what was expected
};

// parse_test.go's invalid inputs; the position is Prometheus's wherever its test gives one.
const std::vector<InvalidCase> kPrometheusInvalid = {
    {"", 1, 1, "expected an expression"},
    {"1+", 1, 3, "expected an expression"},
    {".", 1, 1, "expected an expression or operator"},
    {"2.5.", 1, 4, "expected an expression or operator"},
    {"100..4", 1, 5, "expected an operator or end of input"},
    {"0deadbeef", 1, 1, "expected a number or a duration"},
    {"1 /", 1, 4, "expected an expression"},
    {"*1", 1, 1, "expected an expression"},
    {"(1))", 1, 4, "expected an operator or end of input"},
    {"((1)", 1, 5, "expected \")\" to close the \"(\" at 1:1"},
    {"999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999", 1, 1, "expected a number (decimal, 0x hexadecimal, Inf or NaN) within float64's range"},
    {"(", 1, 2, "expected \")\" to close the \"(\" at 1:1"},
    {"1 and 1", 1, 1, "expected instant vectors on both sides of \"and\""},
    {"1 == 1", 1, 3, "expected \"== bool\" between two scalars"},
    {"1 or 1", 1, 1, "expected instant vectors on both sides of \"or\""},
    {"1 unless 1", 1, 1, "expected instant vectors on both sides of \"unless\""},
    {"1 !~ 1", 1, 3, "expected \"!=\""},
    {"1 =~ 1", 1, 3, "expected \"==\" or a label matcher inside braces"},
    {"-\"string\"", 1, 1, "expected a scalar or an instant vector after the unary \"-\""},
    {"-test[5m]", 1, 1, "expected a scalar or an instant vector after the unary \"-\""},
    {"*test", 1, 1, "expected an expression"},
    {"1 offset 1d", 1, 1, "expected an instant vector selector, a range vector selector or a subquery before \"offset\""},
    {"foo offset 1s offset 2s", 1, 1, "expected at most one \"offset\" on an expression"},
    {"a - on(b) ignoring(c) d", 1, 11, "expected an expression"},
    {"foo and 1", 1, 1, "expected instant vectors on both sides of \"and\""},
    {"1 and foo", 1, 1, "expected instant vectors on both sides of \"and\""},
    {"foo or 1", 1, 1, "expected instant vectors on both sides of \"or\""},
    {"1 or foo", 1, 1, "expected instant vectors on both sides of \"or\""},
    {"foo unless 1", 1, 1, "expected instant vectors on both sides of \"unless\""},
    {"1 unless foo", 1, 1, "expected instant vectors on both sides of \"unless\""},
    {"1 or on(bar) foo", 1, 1, "expected instant vectors on both sides of \"or\" to use on (...) or ignoring (...)"},
    {"foo == on(bar) 10", 1, 1, "expected instant vectors on both sides of \"==\" to use on (...) or ignoring (...)"},
    {"foo + group_left(baz) bar", 1, 7, "expected an expression"},
    {"foo and on(bar) group_left(baz) bar", 1, 1, "expected no group_left or group_right with \"and\""},
    {"foo and on(bar) group_right(baz) bar", 1, 1, "expected no group_left or group_right with \"and\""},
    {"foo or on(bar) group_left(baz) bar", 1, 1, "expected no group_left or group_right with \"or\""},
    {"foo or on(bar) group_right(baz) bar", 1, 1, "expected no group_left or group_right with \"or\""},
    {"foo unless on(bar) group_left(baz) bar", 1, 1, "expected no group_left or group_right with \"unless\""},
    {"foo unless on(bar) group_right(baz) bar", 1, 1, "expected no group_left or group_right with \"unless\""},
    {"http_requests{group=\"production\"} + on(instance) group_left(job,instance) cpu_count{type=\"smp\"}", 1, 35, "expected a label in either on (...) or group_x (...)"},
    {"foo + bool bar", 1, 5, "expected a comparison operator (==, !=, >, <, >=, <=) before \"bool\""},
    {"foo + bool 10", 1, 5, "expected a comparison operator (==, !=, >, <, >=, <=) before \"bool\""},
    {"foo and bool 10", 1, 5, "expected a comparison operator (==, !=, >, <, >=, <=) before \"bool\""},
    {"{", 1, 2, "expected \"}\" to close the \"{\" at 1:1"},
    {"}", 1, 1, "expected an expression or operator"},
    {"some{", 1, 6, "expected \"}\" to close the \"{\" at 1:5"},
    {"some}", 1, 5, "expected an expression or operator"},
    {"some_metric{a=b}", 1, 15, "expected a quoted string after \"a=\""},
    {"some_metric{a:b=\"b\"}", 1, 14, "expected a label name, a matcher operator (= != =~ !~), a string, \",\" or \"}\""},
    {"foo{a*\"b\"}", 1, 6, "expected a label name, a matcher operator (= != =~ !~), a string, \",\" or \"}\""},
    {"foo{a>=\"b\"}", 1, 6, "expected a label name, a matcher operator (= != =~ !~), a string, \",\" or \"}\""},
    {"some_metric{a=\"\377\"}", 1, 15, "expected text in UTF-8"},
    {"foo{gibberish}", 1, 14, "expected a matcher operator (=, !=, =~ or !~) after the label name \"gibberish\""},
    {"foo{1}", 1, 5, "expected a label name, a matcher operator (= != =~ !~), a string, \",\" or \"}\""},
    {"{}", 1, 1, "expected a metric name or a matcher that does not match the empty value (such as job=\"api\")"},
    {"{x=\"\"}", 1, 1, "expected a metric name or a matcher that does not match the empty value (such as job=\"api\")"},
    {"{x=~\".*\"}", 1, 1, "expected a metric name or a matcher that does not match the empty value (such as job=\"api\")"},
    {"{x!~\".+\"}", 1, 1, "expected a metric name or a matcher that does not match the empty value (such as job=\"api\")"},
    {"{x!=\"a\"}", 1, 1, "expected a metric name or a matcher that does not match the empty value (such as job=\"api\")"},
    {"foo{__name__=\"bar\"}", 1, 1, "expected the metric name once"},
    {"foo{__name__= =}", 1, 15, "expected a quoted string after \"__name__=\""},
    {"foo{,}", 1, 5, "expected a label name or \"}\" in the label matchers"},
    {"foo{__name__ == \"bar\"}", 1, 15, "expected a quoted string after \"__name__=\""},
    {"foo{__name__=\"bar\" lol}", 1, 20, "expected \",\" or \"}\" after a label matcher"},
    {"foo[5mm]", 1, 5, "expected a duration such as 5m or 1h30m"},
    {"foo[5m1]", 1, 5, "expected a duration such as 5m or 1h30m"},
    {"foo[5m:1m1]", 1, 8, "expected a number or a duration"},
    {"foo[5y1hs]", 1, 5, "expected a duration such as 5m or 1h30m (whole numbers of y, w, d, h, m, s, ms, each unit once, largest first)"},
    {"foo[5m1h]", 1, 5, "expected a duration such as 5m or 1h30m (whole numbers of y, w, d, h, m, s, ms, each unit once, largest first)"},
    {"foo[5m1m]", 1, 5, "expected a duration such as 5m or 1h30m (whole numbers of y, w, d, h, m, s, ms, each unit once, largest first)"},
    {"foo[0m]", 1, 5, "expected a duration greater than 0"},
    {"foo[\"5m\"]", 1, 5, "expected a duration with a unit (ms, s, m, h, d, w, y) after \"[\""},
    {"foo[]", 1, 5, "expected a duration with a unit (ms, s, m, h, d, w, y) after \"[\""},
    {"foo[1]", 1, 5, "expected a duration with a unit (ms, s, m, h, d, w, y) after \"[\""},
    {"some_metric[5m] OFFSET 1", 1, 24, "expected a duration after \"offset\""},
    {"some_metric[5m] OFFSET 1mm", 1, 24, "expected a number or a duration"},
    {"some_metric[5m] OFFSET", 1, 23, "expected a duration after \"offset\""},
    {"some_metric OFFSET 1m[5m]", 1, 22, "expected the range before \"offset\" (foo[5m] offset 1h)"},
    {"(foo + bar)[5m]", 1, 12, "expected a vector selector before the range [5m]"},
    {"sum without(==)(some_metric)", 1, 13, "expected a label name in the list of \"without\""},
    {"sum without(,)(some_metric)", 1, 13, "expected a label name in the list of \"without\""},
    {"sum without(foo,,)(some_metric)", 1, 17, "expected a label name in the list of \"without\""},
    {"sum some_metric by (test)", 1, 5, "expected an operator or end of input"},
    {"sum (some_metric) by test", 1, 22, "expected \"(\" and a list of labels after \"by\""},
    {"sum (some_metric) by test", 1, 22, "expected \"(\" and a list of labels after \"by\""},
    {"sum () by (test)", 1, 1, "expected 1 argument(s) in the aggregation sum"},
    {"MIN keep_common (some_metric)", 1, 5, "expected an operator or end of input"},
    {"MIN (some_metric) keep_common", 1, 19, "expected an operator or end of input"},
    {"sum (some_metric) without (test) by (test)", 1, 34, "expected an operator or end of input"},
    {"sum without (test) (some_metric) by (test)", 1, 34, "expected an operator or end of input"},
    {"topk(some_metric)", 1, 1, "expected 2 argument(s) in the aggregation topk"},
    {"topk(some_metric,)", 1, 17, "expected another argument after \",\" in topk"},
    {"topk(some_metric, other_metric)", 1, 6, "expected a scalar as the parameter of topk"},
    {"count_values(5, other_metric)", 1, 14, "expected a string as the parameter of count_values (the label to write)"},
    {"floor()", 1, 1, "expected 1 argument(s) in the call to floor()"},
    {"floor(some_metric, other_metric)", 1, 1, "expected 1 argument(s) in the call to floor()"},
    {"floor(some_metric, 1)", 1, 1, "expected 1 argument(s) in the call to floor()"},
    {"floor(1)", 1, 7, "expected an instant vector as argument 1 of floor()"},
    {"hour(some_metric, some_metric, some_metric)", 1, 1, "expected a function that opsim evaluates"},
    {"time(some_metric)", 1, 1, "expected 0 argument(s) in the call to time()"},
    {"non_existent_function_far_bar()", 1, 1, "expected a function name (rate, irate, increase, histogram_quantile, ...)"},
    {"rate(some_metric)", 1, 6, "expected a range vector as argument 1 of rate()"},
    {"label_replace(a, `b`, `c\377`, `d`, `.*`)", 1, 23, "expected text in UTF-8"},
    {"-=", 1, 2, "expected an expression"},
    {"++-++-+-+-<", 1, 11, "expected an expression"},
    {"e-+=/(0)", 1, 4, "expected an expression"},
    {"a>b()", 1, 3, "expected a function name (rate, irate, increase, histogram_quantile, ...)"},
    {"rate(avg)", 1, 6, "expected a range vector as argument 1 of rate()"},
    {"`\\``", 1, 4, "expected the closing ` of the string that starts here"},
    {"\"\\", 1, 1, "expected an escape sequence (\\a \\b \\f \\n \\r \\t \\v \\\\ \\\" \\' \\NNN \\xNN \\uNNNN \\UNNNNNNNN)"},
    {"\"\\c\"", 1, 1, "expected an escape sequence (\\a \\b \\f \\n \\r \\t \\v \\\\ \\\" \\' \\NNN \\xNN \\uNNNN \\UNNNNNNNN)"},
    {"\"\\x.\"", 1, 1, "expected 2 hexadecimal digits in the escape sequence"},
    {"test[5d] OFFSET 10s [10m:5s]", 1, 1, "expected an instant vector before the subquery [10m:5s]"},
    {"(foo + bar{nm=\"val\"})[5m:][10m:5s]", 1, 1, "expected an instant vector before the subquery [10m:5s]"},
    {"rate(food[1m])[1h] offset 1h", 1, 15, "expected a vector selector before the range [1h]"},
    {"rate(food[1m])[1h] @ 100", 1, 15, "expected a vector selector before the range [1h]"},
    {"start()", 1, 6, "expected an operator or end of input"},
    {"end()", 1, 4, "expected an operator or end of input"},
    {"# just a comment\n\n", 1, 1, "expected an expression"},
};

// Valid in Prometheus, refused by opsim: the @ modifier, at the "@".
const std::vector<InvalidCase> kAtModifier = {
    {"foo @ 1603774568", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ -100", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ .3", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ 3.", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ 3.33", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ 3e2", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ 3e-1", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ 0xA", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ -3.3e1", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ +Inf", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ -Inf", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ NaN", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"test{a=\"b\"}[5y] @ 1603774699", 1, 17, "expected an operator, \"offset\" or end of input"},
    {"some_metric[5m] @ 1m", 1, 17, "expected an operator, \"offset\" or end of input"},
    {"some_metric[5m] @", 1, 17, "expected an operator, \"offset\" or end of input"},
    {"some_metric @ 1234 [5m]", 1, 13, "expected an operator, \"offset\" or end of input"},
    {"rate(some_metric[5m]) @ 1234", 1, 23, "expected an operator, \"offset\" or end of input"},
    {"min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ 1603775091)[4m:3s]", 1, 45, "expected an operator, \"offset\" or end of input"},
    {"min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:] @ -160377509)[4m:3s]", 1, 45, "expected an operator, \"offset\" or end of input"},
    {"some_metric @ 123 [10m:5s]", 1, 13, "expected an operator, \"offset\" or end of input"},
    {"some_metric @ 123 offset 1m [10m:5s]", 1, 13, "expected an operator, \"offset\" or end of input"},
    {"some_metric offset 1m @ 123 [10m:5s]", 1, 23, "expected an operator, \"offset\" or end of input"},
    {"some_metric[10m:5s] offset 1m @ 123", 1, 31, "expected an operator, \"offset\" or end of input"},
    {"(foo + bar{nm=\"val\"} @ 1234)[5m:] @ 1603775019", 1, 22, "expected an operator, \"offset\" or end of input"},
    {"foo @ start()", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"foo @ end()", 1, 5, "expected an operator, \"offset\" or end of input"},
    {"test[5y] @ start()", 1, 10, "expected an operator, \"offset\" or end of input"},
    {"test[5y] @ end()", 1, 10, "expected an operator, \"offset\" or end of input"},
    {"foo[10m:6s] @ start()", 1, 13, "expected an operator, \"offset\" or end of input"},
    {"foo[10m:6s] @ end()", 1, 13, "expected an operator, \"offset\" or end of input"},
    {"foo @ 1", 1, 5, "expected an operator, \"offset\" or end of input"},
};

const std::vector<InvalidCase> kOpsimInvalid = {
    {"{job=~\"a*\"}", 1, 1, "expected a metric name or a matcher that does not match the empty value (such as job=\"api\")"},
    {"'it''s'", 1, 5, "expected an operator or end of input"},
    {"round(foo, 1, 2)", 1, 1, "expected at most 2 argument(s) in the call to round()"},
    {"round()", 1, 1, "expected at least 1 argument(s) in the call to round()"},
    {"group(foo)", 1, 1, "expected an aggregation that opsim evaluates"},
    {"sqrt(foo)", 1, 1, "expected a function that opsim evaluates"},
    {"rate(foo[5m]", 1, 13, "expected \")\" to close the \"(\" at 1:5"},
    {"sum by (job", 1, 12, "expected \")\" to close the \"(\" at 1:8"},
    {"foo{job=\"x\"", 1, 12, "expected \"}\" to close the \"{\" at 1:4"},
    {"foo[5m", 1, 7, "expected \"]\" to close the \"[\" at 1:4"},
    {"foo[5m:1m", 1, 10, "expected \"]\" to close the \"[\" at 1:4"},
    {"foo bar", 1, 5, "expected an operator or end of input"},
    {"foo[5m] [5m]", 1, 9, "expected a vector selector before the range [5m]"},
    {"1 + \"a\"", 1, 5, "expected a scalar or an instant vector on the right of \"+\""},
    {"\"a\" + 1", 1, 1, "expected a scalar or an instant vector on the left of \"+\""},
    {"foo + rate(bar[5m])[5m]", 1, 20, "expected a vector selector before the range [5m]"},
    {"sum(foo[5m])", 1, 5, "expected an instant vector as the argument of sum"},
    {"topk(foo, bar)", 1, 6, "expected a scalar as the parameter of topk"},
    {"quantile(\"x\", foo)", 1, 10, "expected a scalar as the parameter of quantile"},
    {"a + on(x) group_left(x) b", 1, 3, "expected a label in either on (...) or group_x (...)"},
    {"rate(foo)[5m:]", 1, 6, "expected a range vector as argument 1 of rate()"},
    {"absent(foo[5m])", 1, 8, "expected an instant vector as argument 1 of absent()"},
    {"vector(foo)", 1, 8, "expected a scalar as argument 1 of vector()"},
    {"histogram_quantile(foo, bar)", 1, 20, "expected a scalar as argument 1 of histogram_quantile()"},
    {"label_replace(foo, 1, \"a\", \"b\", \"c\")", 1, 20, "expected a string as argument 2 of label_replace()"},
    {"foo offset 0s", 1, 12, "expected a duration greater than 0"},
    {"foo offset 5", 1, 12, "expected a duration after \"offset\""},
    {"foo[5m:0s]", 1, 8, "expected a duration greater than 0"},
    {"-\"a\"", 1, 1, "expected a scalar or an instant vector after the unary \"-\""},
    {"RATE(foo[5m])", 1, 1, "expected a function name (rate, irate, increase, histogram_quantile, ...)"},
    {"foo{a=~\"x\"} offset 1h offset 2h", 1, 1, "expected at most one \"offset\" on an expression"},
    {"sum(rate(foo[5m]))\n  by (job) +\n  rate(bar)", 3, 8, "expected a range vector as argument 1 of rate()"},
    {"foo +\n\n   }", 3, 4, "expected an expression or operator"},
    {"foo{job=\"a\",\n    instance=}", 2, 14, "expected a quoted string after \"instance=\""},
    {"a\n  and 1", 1, 1, "expected instant vectors on both sides of \"and\""},
    {"1\n==\n1", 2, 1, "expected \"== bool\" between two scalars"},
};

// ---------------------------------------------------------------------------------------------
// [SECTION] Round trips and errors
// ---------------------------------------------------------------------------------------------

void check_valid(const std::vector<ValidCase>& cases) {
  for (const ValidCase& c : cases) {
    CAPTURE(c.input);
    ParseResult r = parse(c.input);
    REQUIRE(r.errors.empty());
    REQUIRE(r.expr);
    const std::string printed = print_expr(*r.expr);
    CHECK(printed == c.printed);
    // The canonical text means the same: it parses, and prints the same again.
    ParseResult again = parse(printed);
    REQUIRE(again.ok());
    CHECK(print_expr(*again.expr) == printed);
  }
}

void check_invalid(const std::vector<InvalidCase>& cases) {
  for (const InvalidCase& c : cases) {
    CAPTURE(c.input);
    ParseResult r = parse(c.input);
    REQUIRE_FALSE(r.ok());
    CHECK_FALSE(r.expr);
    const Diagnostic& d = r.errors.front();
    CAPTURE(d.message);
    CHECK(d.line == c.line);
    CHECK(d.column == c.column);
    CHECK(d.message.rfind(c.expected, 0) == 0);
    CHECK(d.message.find("found") != std::string::npos);
  }
}

}  // namespace

TEST_CASE("promql: Prometheus's valid expressions print as Prometheus prints them", "[promql]") {
  check_valid(kPrometheusValid);
  check_valid(kPrometheusPrinted);
}

TEST_CASE("promql: opsim's expressions round-trip", "[promql]") { check_valid(kOpsimValid); }

TEST_CASE("promql: Prometheus's invalid expressions fail at the same line:column", "[promql]") {
  check_invalid(kPrometheusInvalid);
}

TEST_CASE("promql: the @ modifier is refused at the @", "[promql]") {
  check_invalid(kAtModifier);
  ParseResult r = parse("foo @ 100");
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors[0].message.find("does not support the @ modifier") != std::string::npos);
}

TEST_CASE("promql: opsim's invalid expressions", "[promql]") { check_invalid(kOpsimInvalid); }

TEST_CASE("promql: errors format as line:column and keep a caller's path", "[promql]") {
  ParseResult r = parse("rate(foo)");
  REQUIRE(r.errors.size() == 1);
  CHECK(format_error(r.errors[0]) == "1:6: expected a range vector as argument 1 of rate(), found an instant vector");
  Diagnostic d = r.errors[0];
  d.path = "$.groups[0].rules[1].expr";
  CHECK(format_error(d) == "$.groups[0].rules[1].expr: 1:6: expected a range vector as argument 1 of rate(), found an "
                           "instant vector");
}

// ---------------------------------------------------------------------------------------------
// [SECTION] The tree: units, types, matching
// ---------------------------------------------------------------------------------------------

TEST_CASE("promql: durations in the tree are microseconds", "[promql]") {
  ParseResult r = parse("rate(foo{job=\"a\"}[1h30m] offset -5m)[2d:30s] offset 1m30ms");
  REQUIRE(r.ok());
  REQUIRE(r.expr->kind == ExprKind::subquery);
  const auto& sq = static_cast<const SubqueryExpr&>(*r.expr);
  CHECK(sq.range_us == 2 * kMicrosPerDay);
  CHECK(sq.step_us == 30 * kMicrosPerSecond);
  CHECK(sq.offset_us == kMicrosPerMinute + 30 * kMicrosPerMilli);
  const auto& call = static_cast<const Call&>(*sq.expr);
  CHECK(std::string(call.function->name) == "rate");
  const auto& ms = static_cast<const MatrixSelector&>(*call.args[0]);
  CHECK(ms.range_us == 90 * kMicrosPerMinute);
  CHECK(ms.selector->offset_us == -5 * kMicrosPerMinute);
  CHECK(ms.selector->metric_name == "foo");
  // The name is also the last matcher, as Prometheus keeps it.
  REQUIRE(ms.selector->matchers.size() == 2);
  CHECK(ms.selector->matchers[0].name == "job");
  CHECK(ms.selector->matchers[1].name == "__name__");
  CHECK(ms.selector->matchers[1].value == "foo");
}

TEST_CASE("promql: each node has its Prometheus result type", "[promql]") {
  struct TypeCase {
    const char* input;
    ValueType type;
  };
  const TypeCase cases[] = {
      {"1", ValueType::scalar},
      {"\"a\"", ValueType::string},
      {"foo", ValueType::instant_vector},
      {"foo[5m]", ValueType::range_vector},
      {"foo[5m:]", ValueType::range_vector},
      {"rate(foo[5m])", ValueType::instant_vector},
      {"time()", ValueType::scalar},
      {"scalar(foo)", ValueType::scalar},
      {"1 + 2", ValueType::scalar},
      {"1 + foo", ValueType::instant_vector},
      {"-(1)", ValueType::scalar},
      {"(foo[5m])", ValueType::range_vector},
      {"sum(foo)", ValueType::instant_vector},
  };
  for (const TypeCase& c : cases) {
    CAPTURE(c.input);
    ParseResult r = parse(c.input);
    REQUIRE(r.ok());
    CHECK(r.expr->type() == c.type);
  }
}

TEST_CASE("promql: vector matching as the checks settle it", "[promql]") {
  auto binary = [](const ParseResult& r) -> const BinaryExpr& { return static_cast<const BinaryExpr&>(*r.expr); };
  ParseResult set_op = parse("a and on (x) b");
  REQUIRE(set_op.ok());
  REQUIRE(binary(set_op).matching);
  CHECK(binary(set_op).matching->card == MatchCardinality::many_to_many);
  CHECK(binary(set_op).matching->on);

  ParseResult group = parse("a / ignoring (x) group_left (y) b");
  REQUIRE(group.ok());
  CHECK(binary(group).matching->card == MatchCardinality::many_to_one);
  CHECK(binary(group).matching->include == std::vector<std::string>{"y"});

  ParseResult scalar_side = parse("a * 2");
  REQUIRE(scalar_side.ok());
  CHECK_FALSE(binary(scalar_side).matching);  // only between two instant vectors

  // ^ is right-associative; the others are left-associative.
  ParseResult pow = parse("a ^ b ^ c");
  REQUIRE(pow.ok());
  CHECK(binary(pow).lhs->kind == ExprKind::vector_selector);
  CHECK(binary(pow).rhs->kind == ExprKind::binary);
  ParseResult sub = parse("a - b - c");
  REQUIRE(sub.ok());
  CHECK(binary(sub).lhs->kind == ExprKind::binary);
  // A unary minus binds less tightly than ^, more tightly than *.
  ParseResult neg_pow = parse("-a ^ b");
  REQUIRE(neg_pow.ok());
  CHECK(neg_pow.expr->kind == ExprKind::unary);
  ParseResult neg_mul = parse("-a * b");
  REQUIRE(neg_mul.ok());
  CHECK(neg_mul.expr->kind == ExprKind::binary);
}

// ---------------------------------------------------------------------------------------------
// [SECTION] Lexer, durations, numbers, regexes
// ---------------------------------------------------------------------------------------------

TEST_CASE("promql: the lexer's tokens (lex_test.go's inputs)", "[promql]") {
  struct LexCase {
    const char* input;
    std::vector<TokenKind> kinds;  // without the final end
  };
  using K = TokenKind;
  const LexCase cases[] = {
      {",", {K::comma}},
      {"()", {K::left_paren, K::right_paren}},
      {"{}", {K::left_brace, K::right_brace}},
      {"[5m]", {K::left_bracket, K::duration, K::right_bracket}},
      {"[ 5m ]", {K::left_bracket, K::duration, K::right_bracket}},
      {"\r\n\r", {}},
      {"4.23", {K::number}},
      {"NaN 123", {K::number, K::number}},
      {"nAN", {K::number}},
      {"+Inf", {K::add, K::number}},
      {"Infoo", {K::identifier}},
      {"0x123", {K::number}},
      {"123m", {K::duration}},
      {"1y", {K::duration}},
      {"a:bc", {K::metric_identifier}},
      {":bc", {K::metric_identifier}},
      {"abc d", {K::identifier, K::identifier}},
      {"# some comment", {}},
      {"5 # 1+1\n5", {K::number, K::number}},
      {"== != < > >= <= + - * / ^ %", {K::eqlc, K::neq, K::lss, K::gtr, K::gte, K::lte, K::add, K::sub, K::mul, K::div, K::pow, K::mod}},
      {"AND or unless atan2", {K::kw_and, K::kw_or, K::kw_unless, K::kw_atan2}},
      {"sum AVG GROUP count_values", {K::aggregator, K::aggregator, K::aggregator, K::aggregator}},
      {"offset by without on ignoring group_left group_right bool start end",
       {K::kw_offset, K::kw_by, K::kw_without, K::kw_on, K::kw_ignoring, K::kw_group_left, K::kw_group_right, K::kw_bool,
        K::kw_start, K::kw_end}},
      {"{NaN != \"bar\" }", {K::left_brace, K::identifier, K::neq, K::string, K::right_brace}},
      {"{on!~\"bar\"}", {K::left_brace, K::identifier, K::neq_regex, K::string, K::right_brace}},
      {"{alert=~\"bar\" }", {K::left_brace, K::identifier, K::eql_regex, K::string, K::right_brace}},
      {"test:name{on!~\"b:ar\"}[4m:]",
       {K::metric_identifier, K::left_brace, K::identifier, K::neq_regex, K::string, K::right_brace, K::left_bracket,
        K::duration, K::colon, K::right_bracket}},
      {"test:name[ 5m]", {K::metric_identifier, K::left_bracket, K::duration, K::right_bracket}},
  };
  for (const LexCase& c : cases) {
    CAPTURE(c.input);
    const std::vector<Token> tokens = lex(c.input);
    REQUIRE(tokens.back().kind == TokenKind::end);
    std::vector<TokenKind> kinds;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) kinds.push_back(tokens[i].kind);
    CHECK(kinds == c.kinds);
  }
  // lex_test.go's failures: each ends the list with an error token.
  for (const char* bad : {"{alert!#\"bar\"}", "{foo:a=\"bar\"}", "=~", "!~", "!(", "1a", "(", "())", "(()", "{", "}", "{{",
                          "{{}}", "[", "[[", "[]]", "[[]]", "]", "\"\xff\"", "`\xff`", "test:name{o:n!~\"bar\"}[4m:4s]",
                          "test:name{on!~\"bar\"}[4m:4s:4h]", "test:name{on!~\"bar\"}[4m:4s:]",
                          "test:name{on!~\"bar\"}[4m::]", "test:name{on!~\"bar\"}[:4s]"}) {
    CAPTURE(bad);
    CHECK(lex(bad).back().kind == TokenKind::error);
  }
}

TEST_CASE("promql: durations as Prometheus reads and prints them", "[promql]") {
  SimDuration d = 0;
  CHECK(parse_promql_duration("1h30m", d));
  CHECK(d == 90 * kMicrosPerMinute);
  CHECK(parse_promql_duration("1m30ms", d));
  CHECK(d == kMicrosPerMinute + 30 * kMicrosPerMilli);
  CHECK(parse_promql_duration("1y2w3d4h5m6s7ms", d));
  CHECK(d == 365 * kMicrosPerDay + 17 * kMicrosPerDay + 4 * kMicrosPerHour + 5 * kMicrosPerMinute +
                 6 * kMicrosPerSecond + 7 * kMicrosPerMilli);
  CHECK(parse_promql_duration("0", d));
  CHECK(d == 0);
  for (const char* bad : {"", "5", "1.5h", "5m1h", "5m1m", "1ms1s", "5y1hs", "1us", "-5m", "5M"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_promql_duration(bad, d));
  }
  CHECK(format_promql_duration(0) == "0s");
  CHECK(format_promql_duration(90 * kMicrosPerMinute) == "1h30m");
  CHECK(format_promql_duration(90 * kMicrosPerDay) == "90d");  // not 12w6d: weeks only when exact
  CHECK(format_promql_duration(14 * kMicrosPerDay) == "2w");
  CHECK(format_promql_duration(730 * kMicrosPerDay) == "2y");
  CHECK(format_promql_duration(366 * kMicrosPerDay) == "366d");
  CHECK(format_promql_duration(1500 * kMicrosPerMilli) == "1s500ms");
}

TEST_CASE("promql: numbers and strings print as Go prints them", "[promql]") {
  CHECK(format_number(1) == "1");
  CHECK(format_number(-493) == "-493");
  CHECK(format_number(0.005) == "0.005");
  CHECK(format_number(123456) == "123456");
  CHECK(format_number(1e6) == "1e+06");
  CHECK(format_number(1.5e-7) == "1.5e-07");
  CHECK(format_number(1e100) == "1e+100");
  CHECK(format_number(0.1 + 0.2) == "0.30000000000000004");
  CHECK(quote_string("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"");
  CHECK(quote_string("\x01") == "\"\\x01\"");
  CHECK(quote_string("\xff") == "\"\\xff\"");
  CHECK(quote_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
  CHECK(quote_string("\xc2\xa0") == "\"\\u00a0\"");
}

TEST_CASE("promql: which regexes match the empty value", "[promql]") {
  for (const char* empty : {"", ".*", "a*", "a?", "(a|)", "a|b|", "(?i)", "(?:x)*", "a{0,3}", "^$", "\\Q\\E", "[a-z]*"}) {
    CAPTURE(empty);
    CHECK(regex_matches_empty(empty));
  }
  for (const char* nonempty : {".+", "a", "a|b", "(a)+", "[]a]", "[^a]*x", "a{1,3}", "\\d", "\\pL", "é*x", "(?i)x"}) {
    CAPTURE(nonempty);
    CHECK_FALSE(regex_matches_empty(nonempty));
  }
}
