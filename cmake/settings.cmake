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
# GCC 12 at -O3 reports -Wrestrict inside std::string concatenation that cannot happen
# (GCC bug 105651); it is fixed in GCC 13.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(medclaim_warnings INTERFACE -Wno-restrict)
endif()
if(MEDCLAIM_WERROR)
  target_compile_options(medclaim_warnings INTERFACE -Werror)
endif()
