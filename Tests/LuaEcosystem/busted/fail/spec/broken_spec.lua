-- Fails under lua5.4's busted (one failure, one error); bkup running busted must fail it too.
describe("broken", function()
  it("passes", function() assert.is_true(true) end)
  it("fails", function() assert.are.equal(1, 2) end)
  it("errors", function() error("not an assertion") end)
end)
