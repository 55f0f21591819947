# Warning flags applied per target with ts_set_warnings(target).
set(TS_WARNING_FLAGS
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wstrict-prototypes
    -Wmissing-prototypes -Wformat=2 -Wvla -Wundef -Wcast-qual)
function(ts_set_warnings target)
    target_compile_options(${target} PRIVATE ${TS_WARNING_FLAGS})
    if(TS_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()

# ts_module(name sources... LINKS libs...): an object library for one module.
function(ts_module name)
    cmake_parse_arguments(M "" "" "SOURCES;LINKS" ${ARGN})
    add_library(${name} OBJECT ${M_SOURCES})
    target_include_directories(${name} PUBLIC
        ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR})
    target_link_libraries(${name} PUBLIC ${M_LINKS})
    target_compile_definitions(${name} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
    ts_set_warnings(${name})
endfunction()
