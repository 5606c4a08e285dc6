// The dsim command. Placeholder until the CLI lands.
#include <cstdio>
int main() {
  std::puts("dsim: not yet implemented");
  return 2;
}
