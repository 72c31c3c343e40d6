# Self-test of tests/check_layering.cmake: the fixtures under bad/ must give
# exactly the violations listed here (and none for ok_comments.c), and the
# tree under good/ must pass. Run by ctest as "layering_selftest".
#
# Usage: cmake -DCHECK=<check_layering.cmake> -DFIXTURES=<tests/layering> -P selftest.cmake
cmake_minimum_required(VERSION 3.20)

function(run_check root out_result out_text)
  execute_process(COMMAND "${CMAKE_COMMAND}" -DROOT=${root} -P "${CHECK}"
                  RESULT_VARIABLE result OUTPUT_VARIABLE o ERROR_VARIABLE e)
  set(${out_result} "${result}" PARENT_SCOPE)
  set(${out_text} "${o}${e}" PARENT_SCOPE)
endfunction()

set(failures 0)

run_check("${FIXTURES}/bad" result text)
message("${text}")
if(result EQUAL 0)
  message("selftest: the bad tree passed the check")
  math(EXPR failures "${failures} + 1")
endif()
# file:line and the rule each fixture breaks.
set(expected
  "cpu/sys_header.c:3: includes <unistd.h>"
  "cpu/uses_emu.c:3: includes \"emu/machine.h\""
  "mmu/upward.c:3: includes \"cpu/exec.h\""
  "mmu/uses_sdl.c:2: includes <SDL2/SDL.h>"
  "mmu/uses_sdl.c:6: uses SDL_Init"
  "msr/uses_capstone.c:6: uses cs_open"
  "emu/uses_ui.c:3: includes \"ui/view.h\""
  "guest/uses_cpu.c:2: includes \"cpu/x86.h\""
  "8 violation(s)")
foreach(want IN LISTS expected)
  string(FIND "${text}" "${want}" pos)
  if(pos EQUAL -1)
    message("selftest: missing expected report: ${want}")
    math(EXPR failures "${failures} + 1")
  endif()
endforeach()
string(FIND "${text}" "ok_comments.c" pos)
if(NOT pos EQUAL -1)
  message("selftest: a name inside a comment was reported (ok_comments.c)")
  math(EXPR failures "${failures} + 1")
endif()

run_check("${FIXTURES}/good" result text)
message("${text}")
if(NOT result EQUAL 0)
  message("selftest: the good tree failed the check")
  math(EXPR failures "${failures} + 1")
endif()

if(failures GREATER 0)
  message(FATAL_ERROR "selftest: ${failures} failure(s)")
endif()
message("selftest: ok")
