// PromQL's tokens, as Prometheus 2.42's lexer (promql/parser/lex.go) cuts the text. The
// lexer is modal as Prometheus's is: inside braces only label names, matcher operators,
// strings and commas exist; right after "[" comes a duration; after "offset" durations such
// as "5m" are tokens of their own. Comments run from "#" to the end of the line.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "promql/ast.h"

namespace opsim {
namespace promql {

enum class TokenKind {
  end,    // end of input (always the last token, unless an error ends the list first)
  error,  // a lexical error: Token::value holds the message; it is the last token
  number,
  string,    // Token::value holds the unquoted text
  duration,  // "5m", "1h30m": checked by parse_promql_duration in the parser
  identifier,
  metric_identifier,  // an identifier with a colon ("job:rate5m"): a metric name, never a label
  aggregator,         // Token::aggregate says which
  // Keywords (case-insensitive, as in Prometheus). Except on, ignoring, group_left,
  // group_right, bool and atan2, each may also be a metric name.
  kw_and, kw_or, kw_unless, kw_atan2, kw_offset, kw_by, kw_without, kw_on, kw_ignoring, kw_group_left,
  kw_group_right, kw_bool, kw_start, kw_end,
  // Punctuation and operators.
  left_paren, right_paren, left_brace, right_brace, left_bracket, right_bracket, comma, colon, at,
  assign,  // "=" (only in label matchers)
  add, sub, mul, div, mod, pow, eqlc, neq, lte, lss, gte, gtr, eql_regex, neq_regex,
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::string_view text;  // as written in the input
  SourcePos pos;
  std::string value;  // a string's unquoted value, or an error's message
  AggregateOp aggregate = AggregateOp::sum;
};

// The whole input as tokens, ending with `end`, or with `error` at the first lexical error.
std::vector<Token> lex(std::string_view input);

// How a token is named in "found ..." of an error: `end of input`, `number "1"`,
// `identifier "foo"`, `keyword "by"`, `"("`.
std::string describe_token(const Token& t);

// The position of byte `offset` in `input` (line and column 1-based; columns count bytes).
SourcePos position_at(std::string_view input, std::size_t offset);

// A label name: a letter or "_", then letters, digits and "_" (no colons).
bool is_label_name(std::string_view s);

}  // namespace promql
}  // namespace opsim
