package = "adder"
version = "1.0-1"
source = { url = "." }
description = { summary = "A C rock for bkup's tests", license = "MIT" }
dependencies = { "lua >= 5.4" }
build = { type = "builtin", modules = { adder = "adder.c" } }
