# The Corral application. QEMU is on its PATH (wrapGAppsHook4's wrapper), so
# a desktop launch finds it without the user's shell.
{
  lib,
  stdenv,
  meson,
  ninja,
  pkg-config,
  gettext,
  desktop-file-utils,
  appstream,
  wrapGAppsHook4,
  glib,
  gtk4,
  libadwaita,
  vte-gtk4,
  gtk-vnc,
  json-glib,
  libsecret,
  libsoup_3,
  xorg,
  qemu_kvm,
  # The source tree: the repository root (the flake lives in nix/).
  src ? ../.,
  # Guest manifest used when neither --guest nor the settings name one.
  guestManifest ? null,
}:

stdenv.mkDerivation {
  pname = "corral";
  version = "0.1.0";

  src = lib.cleanSourceWith {
    inherit src;
    # Build trees and locally built guests are not sources.
    filter =
      path: type:
      let
        base = baseNameOf path;
      in
      !(lib.hasPrefix "_build" base || lib.hasPrefix "_guest" base || base == "result");
  };

  nativeBuildInputs = [
    meson
    ninja
    pkg-config
    gettext
    desktop-file-utils
    appstream
    glib # glib-compile-resources, glib-compile-schemas
    wrapGAppsHook4
  ];

  buildInputs = [
    glib
    gtk4
    libadwaita
    vte-gtk4
    gtk-vnc # gvnc-1.0
    json-glib
    libsecret
    libsoup_3 # the first-run guest download
    # X11: the display's framebuffer shared with the X server (MIT-SHM)
    xorg.libX11
    xorg.libXext
  ];

  mesonFlags = lib.optional (guestManifest != null) "-Dguest_manifest=${guestManifest}";

  preFixup = ''
    gappsWrapperArgs+=(--prefix PATH : ${lib.makeBinPath [ qemu_kvm ]})
  '';

  # The test suites boot QEMU guests and run Xvfb: not in the Nix sandbox.
  doCheck = false;

  meta = {
    description = "Run a coding agent in a QEMU virtual machine, one per project";
    license = lib.licenses.gpl3Plus;
    platforms = [ "x86_64-linux" ];
    mainProgram = "corral";
  };
}
