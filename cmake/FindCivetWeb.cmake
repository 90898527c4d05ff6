# Finds Debian's libcivetweb-dev without its config file, which fails unless
# the civetweb program is installed too.  Defines the target CivetWeb::CivetWeb.
find_path(CivetWeb_INCLUDE_DIR civetweb.h)
find_library(CivetWeb_LIBRARY civetweb)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CivetWeb REQUIRED_VARS CivetWeb_LIBRARY
                                  CivetWeb_INCLUDE_DIR)
if(CivetWeb_FOUND AND NOT TARGET CivetWeb::CivetWeb)
  add_library(CivetWeb::CivetWeb UNKNOWN IMPORTED)
  set_target_properties(CivetWeb::CivetWeb PROPERTIES
    IMPORTED_LOCATION "${CivetWeb_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CivetWeb_INCLUDE_DIR}")
endif()
