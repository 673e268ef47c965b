# Unit tests that the sanitize build leaves out, as Catch2 test specs (each "~NAME" excludes
# the tests whose names match; "*" is a wildcard). Included by tests/CMakeLists.txt before it
# registers the suite. The native and WebAssembly builds still run every one of them; they
# are left out here because, under the sanitizers, they cost most of the suite's time and
# check nothing that the sanitize build does not check otherwise:
# - "mutations: ..." (4 tests, [schema]): the loader and the schema validator on the
#   mutated copies of every scenario file, over a third of the sanitized suite (the
#   sanitizers' allocator dominates). fuzz.loader runs the loader under the same sanitizers
#   on far more inputs per second, and the schema's other tests stay.
# - "two runs of every built-in scenario give the same bytes" ([determinism]): six hours of
#   every built-in scenario three times, about 15 %; sanitize.scenario.* runs every
#   scenario file once, whole, under the sanitizers.
# - "every field of everything.json changes the run unless a list exempts it" ([every_field]):
#   about 400 runs of a week of everything.json, half a minute natively and ten times that
#   here, to learn whether each setting changes the outputs (a question of the model, not of
#   memory safety); sanitize.scenario.everything runs everything.json whole under the
#   sanitizers, and the loader tests run the refusals the walk meets.
set(OPSIM_UNIT_TEST_SPEC "~mutations:*" "~two runs of every built-in scenario give the same bytes"
                         "~every field of everything.json changes the run unless a list exempts it")
