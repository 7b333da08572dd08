// A minimal test harness: TEST_CASE registers a function, CHECK records
// failures, main() runs all and prints "N passed, N failed".
#pragma once

#include <functional>
#include <iostream>
#include <string>
#include <vector>

struct TestCase {
  std::string name;
  std::function<void()> fn;
};

std::vector<TestCase>& test_registry();
extern int g_check_failures;

struct TestRegistrar {
  TestRegistrar(const char* name, std::function<void()> fn) {
    test_registry().push_back({name, std::move(fn)});
  }
};

#define CHECK_CONCAT2(a, b) a##b
#define CHECK_CONCAT(a, b) CHECK_CONCAT2(a, b)
#define TEST_CASE(name)                                                                           \
  static void CHECK_CONCAT(test_fn_, __LINE__)();                                                 \
  static TestRegistrar CHECK_CONCAT(test_reg_, __LINE__)(name, CHECK_CONCAT(test_fn_, __LINE__)); \
  static void CHECK_CONCAT(test_fn_, __LINE__)()

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      ++g_check_failures;                                                        \
      std::cerr << __FILE__ << ":" << __LINE__ << ": CHECK(" #cond ") failed\n"; \
    }                                                                            \
  } while (0)

#define CHECK_THROWS_AS(expr, type) \
  do {                              \
    bool thrown = false;            \
    try {                           \
      (void)(expr);                 \
    } catch (const type&) {         \
      thrown = true;                \
    }                               \
    CHECK(thrown);                  \
  } while (0)
