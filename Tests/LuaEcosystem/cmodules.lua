-- Debian's Lua 5.4 C modules, each with real calls. tools/lua-ecosystem-referee.sh runs this
-- file with lua5.4 and with bkup and compares what they print (line for line) and how they exit.
local out = {}
local function say(...) local t = table.pack(...) for i = 1, t.n do t[i] = tostring(t[i]) end out[#out + 1] = table.concat(t, " ") end

-- lfs: a folder, a file in it, its attributes, the folder's listing, then both removed.
local lfs = require("lfs")
local dir = os.tmpname()
os.remove(dir)
assert(lfs.mkdir(dir))
local f = assert(io.open(dir .. "/a.txt", "w"))
f:write("twelve bytes")
f:close()
local attributes = assert(lfs.attributes(dir .. "/a.txt"))
say("lfs", attributes.mode, attributes.size, lfs.attributes(dir, "mode"))
local names = {}
for name in lfs.dir(dir) do names[#names + 1] = name end
table.sort(names)
say("lfs.dir", table.concat(names, ","))
assert(os.remove(dir .. "/a.txt") and lfs.rmdir(dir))
say("lfs gone", lfs.attributes(dir) == nil)

-- cjson: encode (keys sorted by hand, as cjson does not), decode, null.
local cjson = require("cjson")
say("cjson", cjson.encode({1, 2, "three", true}), cjson.encode({x = 1.5}))
local doc = cjson.decode('{"a":[1,2,{"b":null}],"c":"\\u00e9"}')
say("cjson.decode", doc.a[1] + doc.a[2], doc.a[3].b == cjson.null, doc.c, #doc.a)
say("cjson.error", pcall(cjson.decode, "{oops"))

-- lpeg and re (re.lua is Lua on top of lpeg).
local lpeg = require("lpeg")
local digits = lpeg.C(lpeg.R("09") ^ 1)
local list = lpeg.Ct(digits * ("," * digits) ^ 0)
say("lpeg", table.concat(list:match("10,20,30"), "+"), lpeg.match(lpeg.P("a") ^ 1, "aaab"))
local re = require("re")
say("re", re.match("hello world", "{%a+} ' ' {%a+}"), re.find("abc123", "[0-9]+"))

-- socket: the clock, then a loopback TCP server and client exchanging a line.
local socket = require("socket")
say("socket.gettime", type(socket.gettime()), socket.gettime() > 1e9)
local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
local client = assert(socket.connect("127.0.0.1", port))
local peer = assert(server:accept())
assert(client:send("ping over loopback\n"))
say("socket.tcp", peer:receive("*l"))
peer:close() client:close() server:close()
local mime = require("mime")
say("mime", (mime.b64("bkup")), (mime.unb64("Ymt1cA==")))

-- lxp (expat), lyaml (libyaml), luasystem, lua-term, luasec: loaded, and a call each.
local lxp = require("lxp")
local tags = {}
local parser = lxp.new({ StartElement = function(_, name) tags[#tags + 1] = name end })
assert(parser:parse("<a><b/><c>text</c></a>")) parser:close()
say("lxp", table.concat(tags, ","))
local yaml = require("lyaml")
local y = yaml.load("name: bkup\nlist: [1, 2]\n")
say("lyaml", y.name, #y.list)
local system = require("system")
say("system", type(system.gettime()), type(system.monotime()))
say("term", type(require("term").isatty))
local ssl = require("ssl")
say("ssl", type(ssl.newcontext))

print(table.concat(out, "\n"))
