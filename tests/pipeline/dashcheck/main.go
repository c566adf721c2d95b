// Command dashcheck decodes Grafana dashboard JSON files with Grafana's own published
// types (grafana-foundation-sdk) in strict mode and fails on the first file that does
// not decode or validate: unknown or mistyped fields, missing required fields, panel
// types and query datasources the SDK does not know, and the SDK's own validation.
//
// Usage: dashcheck FILE...  (exit 0: every file is a valid dashboard; 1: at least one
// is not, each problem on stderr as FILE: PROBLEM)
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dashcheck FILE...")
		os.Exit(2)
	}
	plugins.RegisterDefaultPlugins()
	failed := false
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func check(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var board dashboard.Dashboard
	if err := failure(board.UnmarshalJSONStrict(raw)); err != nil {
		return fmt.Errorf("strict decoding: %w", err)
	}
	if err := failure(board.Validate()); err != nil {
		return fmt.Errorf("validation: %w", err)
	}
	return checkPanels(raw)
}

// checkPanels decodes each panel again on its own and refuses what the strict decoder
// lets through as an untyped bag: a panel type without published options, a query whose
// datasource type it cannot name, and a panel without queries.
func checkPanels(raw []byte) error {
	var top struct {
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		return err
	}
	if len(top.Panels) == 0 {
		return errors.New("no panels")
	}
	var problems []error
	for i, item := range top.Panels {
		where := "panels[" + strconv.Itoa(i) + "]"
		var kind struct {
			Type    string            `json:"type"`
			Targets []json.RawMessage `json:"targets"`
		}
		if err := json.Unmarshal(item, &kind); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if kind.Type == "row" {
			continue
		}
		var panel dashboard.Panel
		if err := failure(panel.UnmarshalJSONStrict(item)); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", where, err))
			continue
		}
		if len(kind.Targets) == 0 {
			problems = append(problems, fmt.Errorf("%s: no queries", where))
		}
		problems = append(problems, checkPanel(where, &panel)...)
	}
	return errors.Join(problems...)
}

// failure is err unless it is an empty list of build errors: the SDK's strict decoder
// returns its (empty) error list typed, so a clean decode is a non-nil error value.
func failure(err error) error {
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	return err
}

// checkPanel refuses an unknown panel type and a query of an unknown datasource type.
// v0.0.22's strict decoders return an empty error list typed, which their callers take
// for an error: a panel or query that decoded cleanly is checked but not kept, so only
// the queries the SDK could not type (an unknown datasource) are left in Targets.
func checkPanel(where string, panel *dashboard.Panel) []error {
	var problems []error
	if _, known := cog.ConfigForPanelcfgVariant(panel.Type); !known {
		problems = append(problems, fmt.Errorf("%s: unknown panel type %q", where, panel.Type))
	}
	for j, target := range panel.Targets {
		if _, unknown := target.(variants.UnknownDataquery); unknown {
			problems = append(problems, fmt.Errorf("%s.targets[%d]: query of an unknown datasource type", where, j))
		}
	}
	return problems
}
