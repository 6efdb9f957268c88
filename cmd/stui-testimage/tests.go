package main

import "github.com/stui-lsp/stui-lsp/stuiclient/stuitest"

// populateTests defines a test class with one test of each outcome, for the
// end-to-end tests of run_tests (stui-lsp test, the editors' test commands).
// Its methods are those of e2e/testdata/tests/TallyTest.class.st, so that the
// lines the stack reports fall in that file.
func populateTests(b *stuitest.Backend) {
	b.AddClass(stuitest.ClassFixture{
		Name:       "TallyTest",
		Superclass: "TestCase",
		Package:    "Tally-Tests",
		Comment:    "I test the tally: one test of each outcome.",
		Methods: []stuitest.MethodFixture{
			{Category: "tests", Source: "testAdds\n\tself assert: 2 + 3 equals: 5"},
			{Category: "tests", Source: "testCarries\n\tself assert: 2 + 3 equals: 5.\n\tself assert: 9 + 1 equals: 11"},
			{Category: "tests", Source: "testDivides\n\tself assert: 1 / 0 equals: 0"},
			{Category: "tests", Source: "testLater\n\tself skip: 'not yet'"},
			{Category: "tests", Source: "testWaits\n\tself timeLimit: 300 milliSeconds.\n\t(Delay forSeconds: 30) wait"},
		},
	})
}
