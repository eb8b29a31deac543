// `minerisk --generate-man [FILE]` and `--generate-bash-completion [FILE]`: hidden (not in
// --help), for the build to write the installed man page and completion from this binary.
#include <fstream>
#include <iostream>

#include "generated_docs.hpp"
#include "minerisk/engine/version.hpp"

namespace minerisk::cli {

int generate_docs(CLI::App& app, int argc, char** argv) {
  if (argc < 2) return -1;
  const std::string what = argv[1];
  if (what != "--generate-man" && what != "--generate-bash-completion") return -1;
  std::ofstream file;
  if (argc > 2) {
    file.open(argv[2]);
    if (!file) {
      std::cerr << "minerisk: error: cannot write '" << argv[2] << "'\n";
      return 2;
    }
  }
  std::ostream& out = argc > 2 ? file : std::cout;
  if (what == "--generate-man")
    write_man_page(app, kVersion, out);
  else
    write_bash_completion(app, out);
  out.flush();
  return out ? 0 : 1;
}

}  // namespace minerisk::cli
