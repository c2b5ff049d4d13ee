enum BackupsClientPlaceholder {}
