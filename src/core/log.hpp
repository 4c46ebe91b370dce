// Logging set-up: one spdlog logger to stderr, level from the command line.
#pragma once

#include <string_view>

namespace rapport {

// Sets the default logger's level ("trace" ... "off"); unknown names mean "info".
void SetUpLogging(std::string_view level);

}  // namespace rapport
