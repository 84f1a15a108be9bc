package compliance

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"ccproxy/model"
)

func TestIntuneCoversEveryCheck(t *testing.T) {
	var d Intune
	fields := d.statusFields()
	if len(fields) != len(Checks) {
		t.Fatalf("%d status settings for %d checks", len(fields), len(Checks))
	}
	st := machine{native: direct(), wow64: direct(), ie: ie(model.FlagDirect, "", "", "")}.state(t)
	b, err := json.Marshal(Evaluate(st, Options{}).Intune(st, "1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	var flat map[string]any
	if err := json.Unmarshal(b, &flat); err != nil {
		t.Fatal(err)
	}
	for _, c := range Checks {
		if v, ok := flat[IntuneSetting(c.ID)].(string); !ok || v == "" {
			t.Errorf("setting %s missing or empty: %v", IntuneSetting(c.ID), flat[IntuneSetting(c.ID)])
		}
	}
	for k, v := range flat {
		switch v.(type) {
		case string, bool, float64:
		default:
			t.Errorf("setting %s has type %T: Intune takes only flat values", k, v)
		}
	}
	if flat["ccproxyVersion"] != "1.2.3" || flat["servicesMode"] != "direct" || flat["installerMode"] != "direct" || flat["compliant"] != true {
		t.Errorf("values %v", flat)
	}
}

func TestIntuneValues(t *testing.T) {
	st := machine{native: proxied("p.corp.example:8080", "<local>"), wow64: direct(), ie: ie(model.FlagDirect|model.FlagAutoDetect, "", "", "")}.state(t)
	r := Evaluate(st, Options{Internal: []string{"dc01", "www.example.com", "10.1.1.1"}})
	d := r.Intune(st, "dev")
	if d.Compliant || d.FailCount != r.Summary.Fail || d.WarnCount != r.Summary.Warn || d.NotCheckedCount != r.Summary.NotChecked {
		t.Errorf("counts %+v vs %+v", d, r.Summary)
	}
	if d.ServicesMode != "proxy" || d.ServicesProxy != "p.corp.example:8080" || d.InstallerMode != "autoDetect" {
		t.Errorf("modes %+v", d)
	}
	if d.InternalChecked != 3 || d.InternalNotBypassed != "www.example.com, 10.1.1.1" || d.InternalBypassedStatus != StatusFail {
		t.Errorf("internal %d %q %s", d.InternalChecked, d.InternalNotBypassed, d.InternalBypassedStatus)
	}
	if d.WinHTTPViewsAgreeStatus != StatusFail || d.InstallerNoAutoProxyStatus != StatusWarn || d.RestartNotPendingStatus != StatusNotChecked {
		t.Errorf("statuses %+v", d)
	}
	if !strings.Contains(d.FailedChecks, "internalBypassed:www.example.com") || !strings.Contains(d.FailedChecks, CheckWinHTTPViewsAgree) {
		t.Errorf("failedChecks %q", d.FailedChecks)
	}
}

func TestCheckStatusWorstFirst(t *testing.T) {
	r := Report{Findings: []Finding{
		{Check: "x", Status: StatusPass}, {Check: "x", Status: StatusWarn}, {Check: "x", Status: StatusNotChecked},
		{Check: "y", Status: StatusNotApplicable}, {Check: "y", Status: StatusPass},
		{Check: "z", Status: StatusPass}, {Check: "z", Status: StatusFail},
	}}
	for check, want := range map[string]string{"x": StatusWarn, "y": StatusPass, "z": StatusFail, "none": StatusNotChecked} {
		if got := r.CheckStatus(check); got != want {
			t.Errorf("%s: %s, want %s", check, got, want)
		}
	}
}

func TestRulesMatchSettings(t *testing.T) {
	rs := Rules()
	if len(rs.Rules) != len(Checks)+1 {
		t.Fatalf("%d rules for %d checks and the verdict", len(rs.Rules), len(Checks))
	}
	// Only a compliant verdict passes the first rule: incomplete fails it (nothing else would
	// make it non-compliant), and so does the "error" a discovery script reports when it
	// cannot run ccproxy.
	if v := rs.Rules[0]; v.SettingName != "verdict" || v.Operator != "IsEquals" || v.Operand != VerdictCompliant {
		t.Errorf("verdict rule %+v", v)
	}
	for i, r := range rs.Rules[1:] {
		if r.SettingName != IntuneSetting(Checks[i].ID) || r.Operator != "NotEquals" || r.DataType != "String" || r.Operand != StatusFail {
			t.Errorf("rule %d: %+v", i, r)
		}
		if ruleText[Checks[i].ID] == "" || !strings.Contains(r.RemediationStrings[0].Title, "{ActualValue}") {
			t.Errorf("rule %s: no text", r.SettingName)
		}
	}
}

// The one line of 'test --format intune' stays within Intune's 2,048 characters whatever the
// lists hold: many internal hosts, long names, escapes, missing evidence.
func TestIntuneLineFits(t *testing.T) {
	for _, n := range []int{1, 20, 60, 500} {
		var hosts []string
		for i := 0; i < n; i++ {
			hosts = append(hosts, fmt.Sprintf("vda%d.internal.other-example.net", i))
		}
		internal, err := ParseInternal(hosts)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []machine{
			{native: proxied("proxy.corp.example:8080", "<local>;\"*.corp.example"), wow64: proxied("proxy.corp.example:8080", "<local>"), ie: ie(model.FlagDirect|model.FlagProxy, "proxy.corp.example:8080", "<local>", "")},
			{native: proxied("proxy.corp.example:8080", "<local>"), noWOW64Key: true, noIE: true},
		} {
			st := m.state(t)
			r := Evaluate(st, Options{Internal: internal})
			b, err := model.MarshalDocument(r.Intune(st, "1.2.3"), true)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > 2048 {
				t.Errorf("%d hosts: %d characters", n, len(b))
			}
			var flat map[string]any
			if err := json.Unmarshal(b, &flat); err != nil {
				t.Fatalf("%d hosts: %v", n, err)
			}
			if n == 500 && !strings.Contains(flat["internalNotBypassed"].(string), " more") {
				t.Errorf("500 hosts: the cut list does not count the rest: %q", flat["internalNotBypassed"])
			}
			if n == 1 && flat["internalNotBypassed"] != "vda0.internal.other-example.net" {
				t.Errorf("one host: %q", flat["internalNotBypassed"])
			}
		}
	}
	if got := cutList([]string{"aaa", "bbb", "ccc", "ddd"}, ", ", 15); got != "aaa, and 3 more" {
		t.Errorf("cutList: %q", got)
	}
}
