# Installation rules, included from the top CMakeLists.txt after the targets.
#
#   cmake --install build [--prefix DIR] [--component Runtime|Development]
#
# Runtime:      bin/gdtrain
#               share/man/man1/gdtrain.1
#               share/bash-completion/completions/gdtrain
# Development:  lib/libgdtrain.a, include/gdtrain/*.h and hparams.def
#               lib/pkgconfig/gdtrain.pc           (pkg-config --cflags --libs gdtrain)
#               lib/cmake/gdtrain/gdtrainConfig.cmake, gdtrainConfigVersion.cmake,
#               gdtrainTargets*.cmake              (find_package(gdtrain) -> gdtrain::gdtrain)
#
# (lib may be lib64 or lib/<multiarch>: GNUInstallDirs decides.) Both the
# pkg-config file and the CMake package find the rest of the installation
# relative to their own location, so an installed tree can be moved, staged
# with DESTDIR, or installed with --prefix other than the configured one.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GDTRAIN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gdtrain)
set(GDTRAIN_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# --- the program and its documentation
install(TARGETS gdtrain
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT Runtime)
install(FILES ${CMAKE_SOURCE_DIR}/docs/gdtrain.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT Runtime)
install(FILES ${CMAKE_SOURCE_DIR}/docs/gdtrain.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME gdtrain COMPONENT Runtime)

# --- the library and its headers, exported as gdtrain::gdtrain
set_target_properties(gdtrain_lib PROPERTIES EXPORT_NAME gdtrain)
# The build tree's include directory is set with the target, inside
# $<BUILD_INTERFACE>; this is the installed one.
target_include_directories(gdtrain_lib PUBLIC $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# A library built with the sanitizers needs their runtimes in every program
# that links it; inside the build tree add_link_options already does that.
if(GDTRAIN_SANITIZE)
  target_link_options(gdtrain_lib INTERFACE $<INSTALL_INTERFACE:-fsanitize=address,undefined>)
  set(GDTRAIN_PC_EXTRA_LIBS " -fsanitize=address,undefined")
else()
  set(GDTRAIN_PC_EXTRA_LIBS "")
endif()
install(TARGETS gdtrain_lib EXPORT gdtrainTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/gdtrain
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT Development
        FILES_MATCHING PATTERN "*.h" PATTERN "*.def")

# --- pkg-config: paths relative to the .pc file's own folder (${pcfiledir},
# known to pkg-config and pkgconf), so that they hold for any prefix.
function(gdtrain_pc_path var dir)
  if(IS_ABSOLUTE "${dir}")
    set(${var} "${dir}" PARENT_SCOPE)
  else()
    set(${var} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
if(IS_ABSOLUTE "${GDTRAIN_PKGCONFIG_DIR}")
  set(GDTRAIN_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  # "lib/pkgconfig" -> "../..", "lib/x86_64-linux-gnu/pkgconfig" -> "../../.."
  file(RELATIVE_PATH GDTRAIN_PC_UP "/p/${GDTRAIN_PKGCONFIG_DIR}" "/p")
  string(REGEX REPLACE "/$" "" GDTRAIN_PC_UP "${GDTRAIN_PC_UP}")
  set(GDTRAIN_PC_PREFIX "\${pcfiledir}/${GDTRAIN_PC_UP}")
endif()
gdtrain_pc_path(GDTRAIN_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
gdtrain_pc_path(GDTRAIN_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/gdtrain.pc.in ${CMAKE_BINARY_DIR}/gdtrain.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/gdtrain.pc
        DESTINATION ${GDTRAIN_PKGCONFIG_DIR} COMPONENT Development)

# --- the CMake package
install(EXPORT gdtrainTargets NAMESPACE gdtrain:: FILE gdtrainTargets.cmake
        DESTINATION ${GDTRAIN_CMAKE_DIR} COMPONENT Development)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/gdtrainConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/gdtrainConfig.cmake
                              INSTALL_DESTINATION ${GDTRAIN_CMAKE_DIR})
# 0.x: a minor release may change the library's interface.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/gdtrainConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/gdtrainConfig.cmake
              ${CMAKE_BINARY_DIR}/gdtrainConfigVersion.cmake
        DESTINATION ${GDTRAIN_CMAKE_DIR} COMPONENT Development)
