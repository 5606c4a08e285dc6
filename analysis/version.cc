// Placeholder source of the analysis library until analysis/ lands (issue 5).
namespace dsim::analysis {
const char* LibraryName() { return "dsim_analysis"; }
}  // namespace dsim::analysis
