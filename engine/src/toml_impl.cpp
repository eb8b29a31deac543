// toml++'s implementation, compiled with the engine's flags when MINERISK_TOML_IMPL is on
// (sanitizer and fuzzing builds), instead of Debian's prebuilt library.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
