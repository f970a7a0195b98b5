// std::visit over a set of lambdas, one per alternative:
//   std::visit(Overloaded{[](double* p) { … }, [](bool* p) { … }}, value);
#pragma once

namespace valley {

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace valley
