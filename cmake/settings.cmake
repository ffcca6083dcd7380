# Interface targets that our own targets link PRIVATE; nothing here leaks to dependents.
add_library(medclaim_settings INTERFACE)
add_library(medclaim_warnings INTERFACE)

target_compile_features(medclaim_settings INTERFACE cxx_std_20)
target_compile_definitions(medclaim_settings INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)

if(MEDCLAIM_ENABLE_ASAN)
  target_compile_options(medclaim_settings INTERFACE -fsanitize=address -fno-omit-frame-pointer)
  target_link_options(medclaim_settings INTERFACE -fsanitize=address)
endif()
if(MEDCLAIM_ENABLE_UBSAN)
  target_compile_options(medclaim_settings INTERFACE -fsanitize=undefined -fno-sanitize-recover=undefined)
  target_link_options(medclaim_settings INTERFACE -fsanitize=undefined)
endif()

if(MEDCLAIM_BUILD_FUZZERS)
  # Coverage feedback from the whole library, not only from the fuzz entry points.
  target_compile_options(medclaim_settings INTERFACE -fsanitize=fuzzer-no-link)
endif()

target_compile_options(medclaim_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-align -Wnull-dereference -Wdouble-promotion -Wextra-semi)
if(MEDCLAIM_WERROR)
  if(MEDCLAIM_BUILD_FUZZERS)
  # Coverage feedback from the whole library, not only from the fuzz entry points.
  target_compile_options(medclaim_settings INTERFACE -fsanitize=fuzzer-no-link)
endif()

target_compile_options(medclaim_warnings INTERFACE -Werror)
endif()
