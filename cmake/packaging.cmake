# packaging.cmake - CPack .deb packages of Crier for arm64 (Raspberry Pi OS
# Bookworm) and amd64 (Debian 12).  Include at the end of the top-level
# CMakeLists.txt, after the install() rules of crier, crierctl and the assets.
#
#   cmake --build build && (cd build && cpack -G DEB)
#   -> build/crier_<version>_<arch>.deb
#
# The package: /usr/bin/crier, /usr/bin/crierctl, /usr/share/crier (assets),
# /usr/lib/systemd/system/crier.service, /etc/crier/crier.conf (a conffile),
# docs in /usr/share/doc/crier, and maintainer scripts that create the
# unprivileged "crier" user (groups video, render, input, audio) and enable
# the service.  Depends lists the runtime libraries by their Bookworm names,
# which Raspberry Pi OS Bookworm shares; CRIER_DEB_SHLIBDEPS=ON asks
# dpkg-shlibdeps instead (native builds only).

set(CRIER_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR}/../board)
get_filename_component(CRIER_BOARD_DIR ${CRIER_BOARD_DIR} ABSOLUTE)
get_filename_component(CRIER_DOCS_DIR ${CMAKE_CURRENT_LIST_DIR}/../docs ABSOLUTE)

install(FILES ${CRIER_BOARD_DIR}/crier.service DESTINATION lib/systemd/system)
install(PROGRAMS ${CRIER_BOARD_DIR}/crier-wait-display DESTINATION lib/crier)
install(FILES ${CRIER_BOARD_DIR}/crier.conf DESTINATION /etc/crier
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
foreach(doc board.md flash.md)
  if(EXISTS ${CRIER_DOCS_DIR}/${doc})
    install(FILES ${CRIER_DOCS_DIR}/${doc} DESTINATION share/doc/crier)
  endif()
endforeach()

# Debian architecture: the toolchain file sets CRIER_DEB_ARCH (arm64);
# native builds ask dpkg.
if(NOT CRIER_DEB_ARCH)
  execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE crier_dpkg_arch
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(crier_dpkg_arch)
    set(CRIER_DEB_ARCH ${crier_dpkg_arch})
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
    set(CRIER_DEB_ARCH arm64)
  else()
    set(CRIER_DEB_ARCH amd64)
  endif()
endif()

option(CRIER_DEB_SHLIBDEPS "Compute Depends with dpkg-shlibdeps (native builds)" OFF)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME crier)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Crier")
set(CPACK_PACKAGE_CONTACT "Crier maintainers <crier@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Public-information kiosk and digital-signage firmware")
set(CPACK_PACKAGE_DESCRIPTION "Crier shows a city's rotating posts and events on public screens and
takes emergency alerts from the central office over MQTT.  This package
holds the kiosk (crier), its control tool (crierctl), assets, the systemd
unit and a default configuration.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${CRIER_DEB_ARCH})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/crier")
if(CRIER_DEB_SHLIBDEPS AND NOT CMAKE_CROSSCOMPILING)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
else()
  # Runtime libraries of every pkg_check_modules in CMakeLists.txt (Bookworm names).
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6 (>= 2.36), libsdl2-2.0-0 (>= 2.26), libsdl2-ttf-2.0-0 (>= 2.20), \
libsdl2-image-2.0-0 (>= 2.6), libcurl4 (>= 7.88), libcjson1 (>= 1.7.15), libmosquitto1 (>= 2.0), \
libexpat1 (>= 2.5), libical3 (>= 3.0.16), libsodium23 (>= 1.0.18), libqrencode4 (>= 4.1), libfribidi0 (>= 1.0.8), \
libfontconfig1 (>= 2.14), libsystemd0, libespeak-ng1 (>= 1.51), adduser")
endif()
# The system fonts the font chain falls back to (firmware/screen/fontsys.c): every script
# docs/configuration.md promises, Chinese, Japanese and Korean with their regional forms and
# bold cuts.  The bundled fonts (assets/fonts) still draw the common scripts without them.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${CPACK_DEBIAN_PACKAGE_DEPENDS}, fonts-noto-cjk, fonts-noto-core")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "v4l-utils")
# /etc/crier/crier.conf is a conffile: an upgrade never overwrites the
# kiosk's own configuration.
file(WRITE ${CMAKE_BINARY_DIR}/debian/conffiles "/etc/crier/crier.conf\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/debian/conffiles
    ${CRIER_BOARD_DIR}/debian/postinst ${CRIER_BOARD_DIR}/debian/prerm ${CRIER_BOARD_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Strip with CMAKE_STRIP (aarch64-linux-gnu-strip when cross compiling).
set(CPACK_STRIP_FILES ON)
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)

include(CPack)
