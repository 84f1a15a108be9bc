package commands

import (
	"fmt"
	"strings"

	"github.com/alecthomas/kong"
)

// topHelp comes under the usage line of 'ccproxy --help': where to start, in a few lines.
// Indented lines stay as written (go/doc's text form, which kong's help uses).
const topHelp = `Make the proxy settings of Citrix Cloud Connector machines correct, visible and provable.

The usual path, on the connector machine:

    ccproxy test                         does the proxy meet R1-R8?
    ccproxy plan --import-ie --output plan.json   the fix test names, as a file
    ccproxy apply plan.json              write it (with a backup), then restart
    ccproxy check                        reach Citrix Cloud as the services will

At a console each command prints text for a person; captured, piped, or with --format json it
prints its JSON document. 'ccproxy COMMAND --help' shows a command's flags and examples.`

// testDetail spells out the requirements 'test' checks, under its usage line.
const testDetail = `The requirements, from Citrix's Cloud Connector proxy and firewall configuration:

    R1  outbound 443 only, to the Citrix Cloud addresses ('ccproxy endpoints')
    R2  no TLS interception (SSL decryption) of that traffic (CTX221535)
    R3  the installer uses the logged-on user's Internet Options (WinINet)
    R4  the services use WinHTTP: import the user's proxy into it
    R5  restart the machine after changing WinHTTP
    R6  no auto-detect (WPAD) and no PAC script
    R7  internal hosts (domain controllers, connectors, VDAs, hypervisors,
        Provisioning servers) on the bypass list (CTX241222)
    R8  the proxy allows CONNECT to an IP address (Azure Service Bus)

test judges R3-R7 from the registry, and R1, R2 and R8 from what 'ccproxy check --compare'
reached on the machine, given with --check.`

// examples end each command's help: one or two command lines that run as written (from the
// project's folder for the example files).
var examples = map[string][]string{
	"get":               {"ccproxy get", "ccproxy get --from examples/ie-proxy-winhttp-direct.reg --format json"},
	"schema":            {"ccproxy schema", "ccproxy schema test"},
	"version":           {"ccproxy version"},
	"diff":              {"ccproxy diff examples/ie-proxy-winhttp-direct.reg examples/ie-winhttp-matching.reg", "ccproxy diff desired.json"},
	"plan":              {"ccproxy plan --import-ie --add-bypass dc01.corp.example --output plan.json", "ccproxy plan --proxy proxy.corp.example:8080 --bypass \"<local>;*.corp.example\" --format ps1"},
	"apply":             {"ccproxy apply plan.json --what-if", "ccproxy apply plan.json"},
	"restore":           {"ccproxy restore --latest --what-if", "ccproxy restore --latest"},
	"backups":           {"ccproxy backups"},
	"test":              {"ccproxy test --internal dc01.corp.example", "ccproxy test --from examples/ie-proxy-winhttp-direct.reg --verbose"},
	"check":             {"ccproxy check", "ccproxy check --proxy proxy.corp.example:8080 --compare"},
	"route":             {"ccproxy route https://dc01.corp.example https://citrix.cloud.com"},
	"endpoints":         {"ccproxy endpoints --region japan", "ccproxy endpoints --format csv --output endpoints.csv"},
	"scripts":           {"ccproxy scripts --channel configmgr --desired examples/desired-proxy.json --internal dc01.corp.example --out configmgr", "ccproxy scripts --channel gpo --desired desired.json --internal-file internal.txt --out gpo"},
	"watch":             {"ccproxy watch --internal dc01.corp.example", "ccproxy watch --desired C:\\ProgramData\\ccproxy\\desired.json --heal --output C:\\ProgramData\\ccproxy\\events.jsonl"},
	"service":           {"ccproxy service install --desired C:\\ProgramData\\ccproxy\\desired.json --heal", "ccproxy service status"},
	"service install":   {"ccproxy service install --desired C:\\ProgramData\\ccproxy\\desired.json", "ccproxy service install --desired C:\\ProgramData\\ccproxy\\desired.json --heal"},
	"service uninstall": {"ccproxy service uninstall"},
	"service status":    {"ccproxy service status"},
	"service start":     {"ccproxy service start"},
	"service stop":      {"ccproxy service stop"},
	"intune-rules":      {"ccproxy intune-rules --output ccproxy-compliance-rules.json"},
	"dsc":               {"ccproxy dsc manifest", "dsc resource get --resource CCProxy/ProxySettings"},
	"dsc manifest":      {"ccproxy dsc manifest --output ccproxy.dsc.resource.json"},
	"dsc schema":        {"ccproxy dsc schema"},
	"dsc get":           {"ccproxy dsc get"},
	"dsc test":          {`ccproxy dsc test --input '{"winhttp":{"mode":"proxy","proxy":"proxy.corp.example:8080"}}'`},
	"dsc set":           {`ccproxy dsc set --what-if --input '{"winhttp":{"mode":"proxy","proxy":"proxy.corp.example:8080"}}'`},
	"dsc export":        {"ccproxy dsc export"},
	"report":            {`ccproxy report \\fileserver\ccproxy\ --format html --output fleet.html`, "ccproxy report collected/ --format csv --output fleet.csv"},
}

// details are longer help for a command, between its summary and its flags.
var details = map[string]string{"test": testDetail}

// printHelp is kong's help, then the examples of the command it was asked for.
func printHelp(options kong.HelpOptions, ctx *kong.Context) error {
	if err := kong.DefaultHelpPrinter(options, ctx); err != nil {
		return err
	}
	path := "" // the top help names the usual path instead
	if cmd := ctx.Selected(); cmd != nil {
		path = commandPath(cmd)
	}
	ex := examples[path]
	if len(ex) == 0 {
		return nil
	}
	w := ctx.Stdout
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Examples:")
	for _, e := range ex {
		fmt.Fprintln(w, "  "+e)
	}
	return nil
}

// commandPath is a command's words without the program's name ("dsc get").
func commandPath(n *kong.Node) string {
	var words []string
	for ; n != nil && n.Type == kong.CommandNode; n = n.Parent {
		words = append([]string{n.Name}, words...)
	}
	return strings.Join(words, " ")
}

// setDetails adds the longer help of the commands that have one to kong's model.
func setDetails(app *kong.Application) {
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		if n.Type == kong.CommandNode {
			if d, ok := details[commandPath(n)]; ok {
				n.Detail = d
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(app.Node)
}

// helpArgs turns the ways people ask for help into --help: 'ccproxy help [COMMAND...]', and
// '/?' or '-?' anywhere before '--' (what Windows programs answer to).
func helpArgs(args []string) []string {
	if len(args) > 0 && strings.EqualFold(args[0], "help") {
		return append(append([]string{}, args[1:]...), "--help")
	}
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if a == "/?" || a == "-?" {
			a = "--help"
		}
		out = append(out, a)
	}
	return out
}
