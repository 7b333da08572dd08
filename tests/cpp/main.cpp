#include "check.h"

std::vector<TestCase>& test_registry() {
  static std::vector<TestCase> tests;
  return tests;
}
int g_check_failures = 0;

int main() {
  int passed = 0, failed = 0;
  for (auto& t : test_registry()) {
    int before = g_check_failures;
    try {
      t.fn();
    } catch (const std::exception& e) {
      std::cerr << t.name << ": unexpected exception: " << e.what() << "\n";
      ++g_check_failures;
    }
    if (g_check_failures == before) {
      ++passed;
    } else {
      ++failed;
      std::cerr << "FAILED: " << t.name << "\n";
    }
  }
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}
