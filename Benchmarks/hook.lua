-- CPU-bound Lua for the limits benchmark: the count hook's cost is what differs between
-- `bkup hook.lua`, `bkup --timeout 1e6 --max-instructions 1e15 hook.lua` and `lua5.4 hook.lua`.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local t = {}
for i = 1, 200000 do t[i] = tostring(i) end
print(fib(30), #table.concat(t))
