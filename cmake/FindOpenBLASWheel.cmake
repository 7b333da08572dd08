# Finds OpenBLAS in the scipy-openblas32 wheel (installed with pip, as the
# build requirement of the project) and defines the target openblas_wheel.
find_package(Threads REQUIRED)
if(NOT OPENBLAS_WHEEL_LIB_DIR)
  find_package(Python 3.9 REQUIRED COMPONENTS Interpreter)
  execute_process(
    COMMAND ${Python_EXECUTABLE} -c
      "import scipy_openblas32 as s; print(s.get_lib_dir())"
    OUTPUT_VARIABLE OPENBLAS_WHEEL_LIB_DIR
    OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _res)
  if(NOT _res EQUAL 0)
    message(FATAL_ERROR
      "scipy-openblas32 not found: pip install scipy-openblas32")
  endif()
endif()
set(OPENBLAS_WHEEL_LIB_DIR ${OPENBLAS_WHEEL_LIB_DIR} CACHE PATH "")
add_library(openblas_wheel SHARED IMPORTED)
set_target_properties(openblas_wheel PROPERTIES
  IMPORTED_LOCATION ${OPENBLAS_WHEEL_LIB_DIR}/libscipy_openblas.so
  IMPORTED_NO_SONAME OFF)
message(STATUS "OpenBLAS (scipy-openblas32): ${OPENBLAS_WHEEL_LIB_DIR}")
