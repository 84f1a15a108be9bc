package jsonin

import "time"

// testSpec is shaped like ccproxy's desired state, with one key of every kind.
var testSpec = Object(
	Required("schema", Enum("ccproxy/desired@1")),
	Key("winhttp", Object(
		Key("mode", Enum("direct", "proxy")),
		Key("proxy", Object(
			Key("server", String()),
			Key("port", Int(1, 65535)),
		).Nullable()),
		Key("bypass", BypassList().Nullable()),
		Key("autoDetect", Bool()),
	)),
	Key("notAfter", Time()),
	Key("createdAt", Time().Nullable()),
	Key("retries", Int(0, 10)),
	Key("offset", Int(-5, 5)),
	Key("ratio", Number()),
	Key("hosts", List(String())),
	Key("rules", List(Object(
		Key("name", String()),
		Key("targets", List(String())),
	))),
	Key("matrix", List(List(Int(0, 9)))),
	Key("tags", Map(String())),
	Key("extra", Any()),
	Key("note", String().Nullable()),
)

type testProxy struct {
	Server string `json:"server"`
	Port   int    `json:"port"`
}

type testDoc struct {
	Schema  string `json:"schema"`
	WinHTTP struct {
		Mode       string     `json:"mode"`
		Proxy      *testProxy `json:"proxy"`
		Bypass     []string   `json:"bypass"`
		AutoDetect *bool      `json:"autoDetect"`
	} `json:"winhttp"`
	NotAfter  time.Time  `json:"notAfter"`
	CreatedAt *time.Time `json:"createdAt"`
	Retries   int        `json:"retries"`
	Offset    int        `json:"offset"`
	Ratio     float64    `json:"ratio"`
	Hosts     []string   `json:"hosts"`
	Rules     []struct {
		Name    string   `json:"name"`
		Targets []string `json:"targets"`
	} `json:"rules"`
	Matrix [][]int           `json:"matrix"`
	Tags   map[string]string `json:"tags"`
	Extra  any               `json:"extra"`
	Note   *string           `json:"note"`
}
