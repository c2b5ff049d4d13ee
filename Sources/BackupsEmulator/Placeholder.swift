enum BackupsEmulatorPlaceholder {}
