// Run-time defaults of AddressSanitizer and UndefinedBehaviorSanitizer for the programs of
// the sanitize build (the sanitizers call these hooks at start-up; ASAN_OPTIONS and
// UBSAN_OPTIONS given in the environment still override them).
//
// ASan: leaks are errors (LeakSanitizer), globals initialised from other files' globals
// are caught (initialisation order), and a pointer to a returned function's locals is
// caught (stack-use-after-return, off by default because it costs memory).
// UBSan: print where the undefined behaviour happened; the build already stops at the
// first report (-fno-sanitize-recover=undefined).

extern "C" const char* __asan_default_options() {
  return "detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1";
}

extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }
