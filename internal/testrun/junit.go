package testrun

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML as CI systems read it (Jenkins, GitLab, GitHub actions that
// publish test reports): one testsuite per class, one testcase per test,
// with failure, error or skipped inside; a target that could not run is a
// testcase with an error in the suite "stui-lsp".

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	ClassName string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(ms int) string { return fmt.Sprintf("%.3f", float64(ms)/1000) }

// WriteJUnit writes r as JUnit XML.
func WriteJUnit(w io.Writer, r *Report) error {
	doc := junitSuites{Tests: len(r.Outcomes) + len(r.Problems), Failures: r.Failed, Errors: r.Errors + len(r.Problems),
		Skipped: r.Skipped, Time: seconds(r.DurationMS)}
	index := map[string]int{}
	for _, o := range r.Outcomes {
		i, ok := index[o.ClassName]
		if !ok {
			i = len(doc.Suites)
			index[o.ClassName] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: o.ClassName})
		}
		suite := &doc.Suites[i]
		c := junitCase{ClassName: o.ClassName, Name: o.Selector, Time: seconds(o.DurationMS)}
		if o.Target != nil {
			c.File = o.Target.File
		}
		problem := &junitProblem{Message: o.Message, Text: stackText(o)}
		switch o.Status {
		case "fail":
			problem.Type = "TestFailure"
			c.Failure = problem
			suite.Failures++
		case "error":
			problem.Type = "Error"
			c.Error = problem
			suite.Errors++
		case "skip":
			c.Skipped = &junitProblem{Message: o.Message}
			suite.Skipped++
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, c)
	}
	for i := range doc.Suites {
		ms := 0
		for _, o := range r.Outcomes {
			if o.ClassName == doc.Suites[i].Name {
				ms += o.DurationMS
			}
		}
		doc.Suites[i].Time = seconds(ms)
	}
	if len(r.Problems) > 0 {
		suite := junitSuite{Name: "stui-lsp", Tests: len(r.Problems), Errors: len(r.Problems), Time: seconds(0)}
		for _, p := range r.Problems {
			name, msg, _ := strings.Cut(p, ": ")
			suite.Cases = append(suite.Cases, junitCase{ClassName: "stui-lsp", Name: name, Time: seconds(0),
				Error: &junitProblem{Message: msg, Type: "RunError"}})
		}
		doc.Suites = append(doc.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// stackText is a failure's location and stack, one frame a line.
func stackText(o Outcome) string {
	var b strings.Builder
	if loc := o.Location(); loc != "" {
		fmt.Fprintf(&b, "%s\n", loc)
	}
	for _, f := range o.Stack {
		if f.Line > 0 {
			fmt.Fprintf(&b, "%s>>%s (line %d)\n", f.ClassName, f.Selector, f.Line)
		} else {
			fmt.Fprintf(&b, "%s>>%s\n", f.ClassName, f.Selector)
		}
	}
	return b.String()
}
