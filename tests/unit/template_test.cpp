// Alert templates (core/monitoring/template.h) expand as Prometheus 2.42 expands them.
//
// Every expected string below is what Prometheus itself produced: each template was put in
// an alerting rule's annotation and run by `promtool test rules` (Prometheus 2.42.0, Go
// 1.19.8) on a series m{a="x", instance="host:9090", job="api"} with the value the test
// gives; compile errors are `promtool check rules`'s words. The alert's labels in the
// template data are the sample's, __name__ included, as Prometheus passes them.
#include <cmath>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "monitoring/template.h"

using namespace opsim;

namespace {

AlertTemplateData data_with(double value) {
  AlertTemplateData d;
  d.labels = {{"__name__", "m"}, {"a", "x"}, {"instance", "host:9090"}, {"job", "api"}};
  d.value = value;
  return d;
}

// Compiles (as the rule "A" does) and expands; fails the test when the text does not compile.
std::string run(const std::string& text, double value) {
  AlertTemplate t;
  TemplateError e;
  INFO(text << "\n" << e.line << ":" << e.column << ": " << e.message);
  const bool ok = compile_template(text, "__alert_A", t, e);
  INFO(e.message);
  REQUIRE(ok);
  return expand_template(t, data_with(value));
}

// The error Prometheus puts in the annotation, for an error at byte `column` of the whole
// text (its 112-byte prefix included), at node `at`.
std::string failed(int column, const std::string& at, const std::string& message) {
  return "<error expanding template: error executing template __alert_A: template: __alert_A:1:" +
         std::to_string(column) + ": executing \"__alert_A\" at <" + at + ">: " + message + ">";
}

// "LINE:COLUMN: MESSAGE" of a template that must not compile.
std::string compile_error(const std::string& text) {
  AlertTemplate t;
  TemplateError e;
  INFO(text);
  REQUIRE_FALSE(compile_template(text, "__alert_A", t, e));
  return std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("$value prints as Go prints a float64, and the humanize functions match Prometheus's", "[template]") {
  const std::string t =
      "{{ $value }}|{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|"
      "{{ humanizePercentage $value }}|{{ humanizeTimestamp $value }}";
  CHECK(run(t, 0.5) == "0.5|500m|0.5|500ms|50%|1970-01-01 00:00:00.5 +0000 UTC");
  CHECK(run(t, 1234567) == "1.234567e+06|1.235M|1.177Mi|14d 6h 56m 7s|1.235e+08%|1970-01-15 06:56:07 +0000 UTC");
  CHECK(run(t, -0.000123) == "-0.000123|-123u|-0.000123|-123us|-0.0123%|1970-01-01 00:00:00 +0000 UTC");
  CHECK(run(t, 0) == "0|0|0|0s|0%|1970-01-01 00:00:00 +0000 UTC");
  CHECK(run(t, kNaN) == "NaN|NaN|NaN|NaN|NaN%|NaN");
  CHECK(run(t, kInf) == "+Inf|+Inf|+Inf|+Inf|+Inf%|+Inf");
  CHECK(run(t, -kInf) == "-Inf|-Inf|-Inf|-Inf|-Inf%|-Inf");
  CHECK(run("{{ $value | humanize1024 }} {{ humanizeDuration $value }} {{ humanizePercentage $value }}", 1234.5678) ==
        "1.206ki 20m 34s 1.235e+05%");
  CHECK(run("{{ printf \"%v %v %v %v %v\" 0.1 1e6 1.5e-05 100000.0 123456789.0 }}", 0) ==
        "0.1 1e+06 1.5e-05 100000 1.23456789e+08");
}

TEST_CASE("humanize and its siblings at their edges", "[template]") {
  CHECK(run("{{ humanize 0 }} {{ humanize 0.000001234 }} {{ humanize -1234567 }} {{ humanize 1e30 }} {{ humanize \"1e3\" }} "
            "{{ humanize 12 }}", 5) == "0 1.234u -1.235M 1e+06Y 1k 12");
  CHECK(run("{{ humanizeDuration 0 }} {{ humanizeDuration 0.0015 }} {{ humanizeDuration 90061.5 }} "
            "{{ humanizeDuration -3700 }} {{ humanizeDuration 59.99 }} {{ humanizeDuration 3600 }}", 5) ==
        "0s 1.5ms 1d 1h 1m 1s -1h 1m 40s 59.99s 1h 0m 0s");
  CHECK(run("{{ humanizeDuration 0.000001 }} {{ humanizeDuration -0.5 }} {{ humanizeDuration 1e-30 }} "
            "{{ humanizeDuration 86400 }} {{ humanizeDuration 60 }} {{ humanizeDuration 1.5 }}", 5) ==
        "1us -500ms 1e-06ys 1d 0h 0m 0s 1m 0s 1.5s");
  CHECK(run("{{ humanize1024 1 }} {{ humanize1024 1025 }} {{ humanize1024 1e30 }} {{ humanize1024 -2048 }}", 5) ==
        "1 1.001ki 8.272e+05Yi -2ki");
  CHECK(run("{{ humanizePercentage 0.12345 }} {{ humanizePercentage 1 }}", 5) == "12.35% 100%");
  CHECK(run("{{ humanizeTimestamp 1.5e9 }} {{ humanizeTimestamp 1234567890.123456 }} {{ humanizeTimestamp -1 }}", 5) ==
        "2017-07-14 02:40:00 +0000 UTC 2009-02-13 23:31:30.123 +0000 UTC 1969-12-31 23:59:59 +0000 UTC");
  CHECK(run("{{ humanize \"1_000\" }} {{ humanize \"0x10p0\" }} {{ humanize \"inf\" }} {{ humanize \"-Infinity\" }} "
            "{{ humanize \"NaN\" }} {{ humanize \"1.\" }} {{ humanize \".5e1\" }}", 5) == "1k 16 +Inf -Inf NaN 1 5");
  CHECK(run("{{ parseDuration \"0\" }} {{ parseDuration \"1y2w\" }} {{ parseDuration \"90ms\" }}", 5) == "0 3.27456e+07 0.09");
}

TEST_CASE("labels, external labels and the data's fields", "[template]") {
  CHECK(run("{{ .Value }} {{ .Labels.job }} {{ .ExternalURL }}|{{ $externalURL }}|{{ .ExternalLabels }}", 1234.5678) ==
        "1234.5678 api ||map[]");
  CHECK(run("{{ $labels.instance }} {{ $labels.nope }}| {{ $.Value }} {{ $.Labels.job }}", 0.5) == "host:9090 | 0.5 api");
  CHECK(run("{{ . }}", 0.5) == "{map[__name__:m a:x instance:host:9090 job:api] map[]  0.5}");
  CHECK(run("{{ printf \"%+v\" . }}", 1234.5678) ==
        "{Labels:map[__name__:m a:x instance:host:9090 job:api] ExternalLabels:map[] ExternalURL: Value:1234.5678}");
  CHECK(run("{{ len $labels }} {{ index $labels \"job\" }} {{ index $labels \"nope\" }}|", 0) == "4 api |");
  CHECK(run("{{ index $labels \"instance\" | stripPort | toUpper | printf \"<%s>\" }}", 0) == "<HOST>");
  // A label template changes nothing about external labels: they are their own map.
  AlertTemplate t;
  TemplateError e;
  REQUIRE(compile_template("{{ $externalLabels.dc }}/{{ .ExternalLabels.dc }} {{ externalURL }}{{ pathPrefix }}", "__alert_A", t, e));
  AlertTemplateData d = data_with(1);
  d.external_labels = {{"dc", "eu1"}};
  d.external_url = "http://prom.example:9090/prefix/x";
  CHECK(expand_template(t, d) == "eu1/eu1 http://prom.example:9090/prefix/x/prefix/x");
}

TEST_CASE("control flow: if, else if, with, range, break, continue, variables", "[template]") {
  CHECK(run("{{ if gt $value 1.0 }}big{{ else if lt $value 0.0 }}neg{{ else }}small{{ end }}", 1234.5678) == "big");
  CHECK(run("{{ if gt $value 0.5 }}hi{{ else if eq $value 0.5 }}eq{{ else }}lo{{ end }}", 0.5) == "eq");
  CHECK(run("{{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ end }}", 0) == "__name__=m,a=x,instance=host:9090,job=api,");
  CHECK(run("{{ range $labels }}{{ . }};{{ end }}", 0) == "m;x;host:9090;api;");
  CHECK(run("{{ range $x := $labels }}{{ $x }}{{ else }}none{{ end }}", 0) == "mxhost:9090api");
  CHECK(run("{{ range $i, $e := $labels }}{{ if eq $i \"job\" }}{{ break }}{{ end }}{{ $i }}{{ end }}", 0) == "__name__ainstance");
  CHECK(run("{{ range $k, $v := .Labels }}{{ if eq $k \"a\" }}{{ continue }}{{ end }}{{ $k }};{{ end }}", 0) ==
        "__name__;instance;job;");
  CHECK(run("{{ with $labels.job }}job={{ . }}{{ else }}nojob{{ end }} {{ with $labels.zz }}y{{ else }}n{{ end }}", 0) ==
        "job=api n");
  CHECK(run("{{ $v := $value }}{{ if true }}{{ $v := 1 }}{{ $v }}{{ end }}{{ $v }}", 0.5) == "10.5");
  CHECK(run("{{ $v := 0 }}{{ if true }}{{ $v = 1 }}{{ end }}{{ $v }}", 0.5) == "1");
  CHECK(run("{{ $x := 5 }}{{ $x = \"s\" }}{{ $x }}", 0) == "s");
  CHECK(run("{{ if 0 }}a{{ else }}b{{ end }}{{ if \"\" }}c{{ end }}{{ if $labels }}d{{ end }}{{ if . }}e{{ end }}"
            "{{ if 0.0 }}f{{ end }}", 5) == "bde");
  CHECK(run("{{ and 1 0 2 }} {{ or 0 \"\" \"x\" }} {{ not 0 }}", 0) == "0 x true");
  CHECK(run("{{ and $labels.job $labels.nope }}|{{ or $labels.nope $labels.job }}|{{ and 1 (printf \"%d\" \"x\") }}|"
            "{{ or 1 (humanize \"x\") }}", 0) == "|api|%!d(string=x)|1");  // and / or stop early
  CHECK(run("{{ eq \"a\" \"b\" \"a\" }} {{ ne 1 2 }} {{ le 2 2 }} {{ ge \"b\" \"a\" }} {{ lt 1.5 2.5 }} {{ gt 2 1 }}", 0) ==
        "true true true true true true");
}

TEST_CASE("trim markers, comments, literals", "[template]") {
  CHECK(run("{{- \"  trim  \" -}}   x   {{- /* c */ -}}  y", 0) == "  trim  xy");
  CHECK(run("  a  {{- 1 -}}  b  {{ 2 -}}  c  {{- 3 }}  d", 0) == "  a1b  2c3  d");
  CHECK(run("{{/**/}}{{- /**/ -}}x", 0) == "x");
  CHECK(run("{{ 3 }} {{ 3.0 }} {{ 1e3 }} {{ 0x10 }} {{ 'a' }} {{ -0 }} {{ 1_000 }}", 0) == "3 3 1000 16 97 0 1000");
  CHECK(run("{{ 1e3 | printf \"%T\" }} {{ 0o17 }} {{ 0b101 }} {{ 017 }} {{ -5 }} {{ +5 }} {{ .5 }} {{ 5. }}", 0) ==
        "float64 15 5 15 -5 5 0.5 5");
  CHECK(run("{{ \"\\u00e9\\x41\\101\\n\" | printf \"%q\" }} {{ `raw\\n` }}", 0) == "\"éAA\\n\" raw\\n");
}

TEST_CASE("printf follows Go's fmt, its error notes included", "[template]") {
  CHECK(run("{{ printf \"%d %s %f %.2f %v %q %5.1f|%-6s|%06.2f %x %e %g %G\" 3 \"a\" $value $value $value \"q\\\"\" "
            "$value \"ab\" $value \"hi\" $value $value 1e21 }}", 1234.5678) ==
        "3 a 1234.567800 1234.57 1234.5678 \"q\\\"\" 1234.6|ab    |1234.57 6869 1.234568e+03 1234.5678 1E+21");
  CHECK(run("{{ printf \"%5d|%-5d|%05d|%+d|% d|%x|%X|%#x|%o|%b|%c|%.3d\" 42 42 42 42 42 255 255 255 8 5 65 7 }}", 0) ==
        "   42|42   |00042|+42| 42|ff|FF|0xff|10|101|A|007");
  CHECK(run("{{ printf \"%v|%.2f|%e|%g|%08.3f|%+.1e|%x|%d|%s|%5.0f|%-8v|\" $value $value $value $value $value $value "
            "$value $value $value $value $value }}", 0.5) ==
        "0.5|0.50|5.000000e-01|0.5|0000.500|+5.0e-01|0x1p-01|%!d(float64=0.5)|%!s(float64=0.5)|    0|0.5     |");
  CHECK(run("{{ printf \"%.3g|%g|%.0f|%.0e|%8.3f|%-8.2f|%08.3f|%+08.2f\" 0.0001234 1e-7 2.5 15000.0 -3.14159 2.5 "
            "-3.14159 3.14159 }}", 5) == "0.000123|1e-07|2|2e+04|  -3.142|2.50    |-003.142|+0003.14");
  CHECK(run("{{ printf \"%v|%08.3f|%5.0f\" $value $value $value }}", kNaN) == "NaN|     NaN|  NaN");
  CHECK(run("{{ printf \"%d %d\" 1 }}|{{ printf \"%d\" 1 2 \"x\" }}|{{ printf \"%!\" }}|{{ printf \"%\" }}", 0) ==
        "1 %!d(MISSING)|1%!(EXTRA int=2, string=x)|%!!(MISSING)|%!(NOVERB)");
  CHECK(run("{{ printf \"%t\" 1 }} {{ printf \"%.2f\" \"3\" }} {{ printf \"%d\" true }} {{ printf \"%s\" nil }} "
            "{{ printf \"%v %d\" nil 1 }}", 0) == "%!t(int=1) %!f(string=3) %!d(bool=true) %!s(<nil>) <nil> 1");
  CHECK(run("{{ printf \"%*d|%.*f|%[2]d %[1]d\" 5 3 2 3.14159 }}", 0) == "    3|3.14|3 5");
  CHECK(run("{{ printf \"%[3]v %[1]v %v\" 1 2 3 }} {{ printf \"%[5]d\" 1 }} {{ printf \"%[x]d\" 1 }} "
            "{{ printf \"%.[2]d\" 1 2 }}", 0) == "3 1 2 %!d(BADINDEX) %!d(BADINDEX) 2");
  CHECK(run("{{ printf \"%5s|%.2s|%-5q|%05s\" \"abc\" \"abcdef\" \"a\" \"ab\" }}", 0) == "  abc|ab|\"a\"  |000ab");
  CHECK(run("{{ printf \"%x % x %#x %X\" \"hi\" \"hi\" \"hi\" \"hi\" }}", 0) == "6869 68 69 0x6869 6869");
  CHECK(run("{{ printf \"%c|%q|%U|%#U\" 65 65 65 65 }} {{ printf \"%q\" \"a\\tb\\u00e9\\x01\" }} {{ printf \"%#q\" \"abc\" }} "
            "{{ printf \"%+q\" \"é\" }}", 0) == "A|'A'|U+0041|U+0041 'A' \"a\\tbé\\x01\" `abc` \"\\u00e9\"");
  CHECK(run("{{ printf \"%v %v %v\" $labels true nil }}", 0) == "map[__name__:m a:x instance:host:9090 job:api] true <nil>");
  CHECK(run("{{ printf \"%d\" $labels }}", 0) ==
        "map[%!d(string=__name__):%!d(string=m) %!d(string=a):%!d(string=x) %!d(string=instance):%!d(string=host:9090) "
        "%!d(string=job):%!d(string=api)]");
  CHECK(run("{{ printf \"%T %T %T %T\" 1 1.5 \"s\" $labels }}", 0) == "int float64 string map[string]string");
  CHECK(run("{{ printf \"%6.2f%%\" 12.345 }}", 0) == " 12.35%");
  CHECK(run("{{ $value | printf \"%.1f\" }} {{ \"abc\" | printf \"%s-%s\" \"x\" }}", 1234.5678) == "1234.6 x-abc");
  CHECK(run("{{ print 1 2 \"a\" \"b\" 3 $value nil }}", 1234.5678) == "1 2ab3 1234.5678 <nil>");
  CHECK(run("{{ println 1 \"a\" }}|", 0) == "1 a\n|");
}

TEST_CASE("Prometheus's text functions", "[template]") {
  CHECK(run("{{ title \"hello wORLD foo-bar_baz\" }} {{ toLower \"ABC\" }} {{ stripPort \"host:9090\" }} "
            "{{ stripPort \"[::1]:80\" }} {{ stripPort \"a:b:c\" }} {{ stripDomain \"a.b.c:80\" }} {{ stripDomain \"10.0.0.1:80\" }}", 0) ==
        "Hello WORLD Foo-Bar_baz abc host ::1 a:b:c a:80 10.0.0.1:80");
  CHECK(run("{{ title \"é è élan  café-au_lait o'neil\" }} {{ toUpper \"straße éa\" }}", 0) ==
        "É È Élan  Café-Au_lait O'Neil STRAßE ÉA");
  CHECK(run("{{ stripDomain \"host.example.com\" }} {{ stripDomain \"[::1]:80\" }} {{ stripDomain \"a.b:c:d\" }} "
            "{{ stripPort \"host\" }} {{ stripPort \":80\" }}|", 0) == "host [::1]:80 a host |");
  CHECK(run("{{ safeHtml \"<b>\" }} {{ html \"<a href='x'>&\\\"\" }} {{ urlquery \"a b&c=d/é\" }} {{ graphLink \"up == 0\" }} "
            "{{ tableLink \"up\" }}", 0) ==
        "<b> &lt;a href=&#39;x&#39;&gt;&amp;&#34; a+b%26c%3Dd%2F%C3%A9 /graph?g0.expr=up+%3D%3D+0&g0.tab=0 /graph?g0.expr=up&g0.tab=1");
  CHECK(run("{{ reReplaceAll \"(.*):.*\" \"$1\" $labels.instance }} {{ match \"^h\" $labels.instance }}", 0) == "host true");
  CHECK(run("{{ reReplaceAll \"(?i)HOST\" \"h\" $labels.instance }} "
            "{{ reReplaceAll \"(?P<h>[a-z]+):(?P<p>\\\\d+)\" \"${p}/$h/$1x/$$\" $labels.instance }} "
            "{{ reReplaceAll \"a*\" \"-\" \"baaac\" }} {{ reReplaceAll \"\" \"-\" \"abc\" }}", 0) ==
        "h:9090 9090/host//$ -b-c- -a-b-c-");
  CHECK(run("{{ len \"héllo\" }} {{ index \"héllo\" 1 }}", 0) == "6 195");
}

TEST_CASE("execution errors become Prometheus's <error expanding template: ...>", "[template]") {
  CHECK(run("{{ .Foo }}", 0) ==
        failed(115, ".Foo",
               "can't evaluate field Foo in type struct { Labels map[string]string; ExternalLabels map[string]string; "
               "ExternalURL string; Value float64 }"));
  CHECK(run("{{ $labels.instance.x }}", 0) == failed(122, "$labels.instance.x", "can't evaluate field x in type string"));
  CHECK(run("{{ gt $value 10 }}", 5) == failed(115, "gt $value 10", "error calling gt: incompatible types for comparison"));
  CHECK(run("{{ toUpper $value }}", 0) == failed(123, "$value", "wrong type for value; expected string; got float64"));
  CHECK(run("{{ $value | toUpper }}", 0) == failed(124, "toUpper", "wrong type for value; expected string; got float64"));
  CHECK(run("{{ safeHtml \"x\" | toUpper }}", 0) ==
        failed(130, "toUpper", "wrong type for value; expected string; got template.HTML"));
  CHECK(run("{{ humanize \"abc\" }}", 0) ==
        failed(115, "humanize \"abc\"", "error calling humanize: strconv.ParseFloat: parsing \"abc\": invalid syntax"));
  CHECK(run("{{ humanize true }}", 0) == failed(115, "humanize true", "error calling humanize: can't convert bool to float"));
  CHECK(run("{{ humanize }}", 0) == failed(115, "humanize", "wrong number of args for humanize: want 1 got 0"));
  CHECK(run("{{ and }}", 0) == failed(115, "and", "wrong number of args for and: want at least 1 got 0"));
  CHECK(run("{{ eq 1 }}", 0) == failed(115, "eq 1", "error calling eq: missing argument for comparison"));
  CHECK(run("{{ eq $labels \"a\" }}", 0) == failed(115, "eq $labels \"a\"", "error calling eq: incompatible types for comparison"));
  CHECK(run("{{ lt true false }}", 0) == failed(115, "lt true false", "error calling lt: invalid type for comparison"));
  CHECK(run("{{ nil }}", 0) == failed(115, "nil", "nil is not a command"));
  CHECK(run("{{ (1) 2 }}", 0) == failed(115, "(1) 2", "can't give argument to non-function 1"));
  CHECK(run("{{ $labels.job 1 }}", 0) == failed(122, "$labels.job", "job is not a method but has arguments"));
  CHECK(run("{{ .Value 1 }}", 0) == failed(115, ".Value", "Value has arguments but cannot be invoked as function"));
  CHECK(run("{{ range $value }}x{{ end }}", 0.5) == failed(121, "$value", "range can't iterate over 0.5"));
  CHECK(run("{{ len 3 }}", 0) == failed(115, "len 3", "error calling len: len of type int"));
  CHECK(run("{{ index $labels 1 }}", 0) == failed(115, "index $labels 1", "error calling index: value has type int; should be string"));
  CHECK(run("{{ (printf \"%s\" \"x\").Foo }}", 0) == failed(128, "\"x\"", "can't evaluate field Foo in type string"));
  CHECK(run("{{ humanize \"1e400\" }}", 0) ==
        failed(115, "humanize \"1e400\"", "error calling humanize: strconv.ParseFloat: parsing \"1e400\": value out of range"));
  CHECK(run("{{ humanizeTimestamp 1e19 }}", 0) ==
        failed(115, "humanizeTimestamp 1e19",
               "error calling humanizeTimestamp: 1e+19 cannot be represented as a nanoseconds timestamp since it overflows int64"));
  CHECK(run("{{ parseDuration \"x\" }}", 0) ==
        failed(115, "parseDuration \"x\"", "error calling parseDuration: not a valid duration string: \"x\""));
  CHECK(run("{{ reReplaceAll \"(\" \"x\" \"y\" }}", 0) ==
        failed(115, "reReplaceAll \"(\" \"x\" \"y\"",
               "error calling reReplaceAll: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`"));
  CHECK(run("{{ match \"(\" \"x\" }}", 0) ==
        failed(115, "match \"(\" \"x\"", "error calling match: error parsing regexp: missing closing ): `(`"));
  // The position counts lines and bytes of the whole text.
  CHECK(run("line one\n  {{ humanize true }}", 0) ==
        "<error expanding template: error executing template __alert_A: template: __alert_A:2:5: executing \"__alert_A\" "
        "at <humanize true>: error calling humanize: can't convert bool to float>");
  // execute_template gives the error alone.
  AlertTemplate t;
  TemplateError e;
  REQUIRE(compile_template("{{ nil }}", "__alert_B", t, e));
  std::string out, error;
  CHECK_FALSE(execute_template(t, data_with(0), out, error));
  CHECK(error == "error executing template __alert_B: template: __alert_B:1:115: executing \"__alert_B\" at <nil>: nil is not a command");
}

TEST_CASE("compile errors: Go's words, at the line and column of the text given", "[template]") {
  CHECK(compile_error("{{ $value | nosuch }}") == "1:13: function \"nosuch\" not defined");
  CHECK(compile_error("{{ if }}") == "1:7: missing value for if");
  CHECK(compile_error("{{ end }}") == "1:8: unexpected {{end}}");
  CHECK(compile_error("{{ else }}") == "1:9: unexpected {{else}}");
  CHECK(compile_error("{{ if 1 }}") == "1:11: unexpected EOF");
  CHECK(compile_error("{{ \"a }}") == "1:4: unterminated quoted string");
  CHECK(compile_error("{{ (1 }}") == "1:7: unclosed left paren");
  CHECK(compile_error("{{ 1) }}") == "1:5: unexpected \")\" in command");
  CHECK(compile_error("{{/* x */ 1}}") == "1:3: comment ends before closing delimiter");
  CHECK(compile_error("{{ 1x }}") == "1:4: bad number syntax: \"1x\"");
  CHECK(compile_error("{{ break }}") == "1:10: {{break}} outside {{range}}");
  CHECK(compile_error("{{ $foo }}") == "1:4: undefined variable \"$foo\"");
  CHECK(compile_error("{{ 1 | 2 }}") == "1:10: non executable command in pipeline stage 2");
  CHECK(compile_error("{{ if 1 }}{{ else }}{{ else }}{{ end }}") == "1:29: expected end; found {{else}}");
  CHECK(compile_error("{{ with 1 }}{{ else if 2 }}{{ end }}") == "1:21: unexpected <if> in input");
  CHECK(compile_error("{{ # }}") == "1:4: unexpected \"#\" in command");
  CHECK(compile_error("{{ $a, $b := 1 }}") == "1:6: too many declarations in command");
  CHECK(compile_error("{{ range $a, 1 }}{{ end }}") == "1:13: range can only initialize variables");
  CHECK(compile_error("{{ true.x }}") == "1:8: unexpected . after term \"true\"");
  CHECK(compile_error("{{ 99999999999999999999 }}") == "1:4: integer overflow: \"99999999999999999999\"");
  CHECK(compile_error("{{ \"\\q\" }}") == "1:4: invalid syntax");
  CHECK(compile_error("{{ 'ab' }}") == "1:4: malformed character constant: 'ab'");
  CHECK(compile_error("{{ $x := 1 }}{{ if 1 }}{{ $y := 2 }}{{ end }}{{ $y }}") == "1:49: undefined variable \"$y\"");
  CHECK(compile_error("ok\n{{ end") == "2:7: unclosed action");
  CHECK(compile_error("{{/* unclosed") == "1:3: unclosed comment");
}

TEST_CASE("what opsim refuses when compiling, with the reason", "[template]") {
  CHECK(compile_error("{{ query \"up\" | first | value }}") ==
        "1:4: function \"query\" is not supported by opsim (opsim runs no PromQL queries from templates)");
  CHECK(compile_error("{{ toTime 1 }}").find("function \"toTime\" is not supported by opsim") != std::string::npos);
  CHECK(compile_error("{{ define \"x\" }}{{ end }}").find("{{define}} is not supported by opsim") != std::string::npos);
  CHECK(compile_error("{{ template \"x\" }}").find("{{template}} is not supported by opsim") != std::string::npos);
  CHECK(compile_error("{{ 1i }}") == "1:4: complex number \"1i\" is not supported by opsim");
  // Go sets no bound on nesting; opsim stops at 100 levels, so that no template exhausts the stack.
  CHECK(compile_error("{{ " + std::string(200, '(') + "1" + std::string(200, ')') + " }}") ==
        "1:103: template nesting deeper than 100 levels is not supported by opsim");
  CHECK(run("{{ " + std::string(40, '(') + "1" + std::string(40, ')') + " }}", 0) == "1");
}
