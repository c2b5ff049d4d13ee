package = "greet"
version = "1.0-1"
source = { url = "." }
description = { summary = "A pure-Lua rock for bkup's tests", license = "MIT" }
dependencies = { "lua >= 5.4" }
build = { type = "builtin", modules = { greet = "greet.lua" } }
