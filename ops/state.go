package ops

import (
	"io"
	"strings"

	"github.com/rs/zerolog"

	"ccproxy/model"
	"ccproxy/system"
)

// Source is what to read a state from: --from (the live registry, a .reg export, a state
// document, netsh text, or - for stdin), whose WinINet settings (--user), and a file of the
// advanced WinHTTP settings to read beside it (--advproxy).
type Source struct {
	From, User, AdvProxy string
}

// StateSource is a state together with the registry it was read from: plans and
// projections need the exact bytes, which a state document only summarises.
type StateSource struct {
	State *model.State
	Store system.Store
	Opts  model.ReadOptions
}

// OpenSource opens --from with --user and --advproxy and reads the state.
func (m *Machine) OpenSource(s Source) (*StateSource, error) {
	var adv *model.AdvancedSettings
	if s.AdvProxy != "" {
		if err := ClaimStdin(In("--from", s.From), In("--advproxy", s.AdvProxy)); err != nil {
			return nil, err
		}
		name, data, err := system.ReadInput(s.AdvProxy, m.Stdin)
		if err != nil {
			return nil, err
		}
		if adv, _, err = system.ParseAdvanced(name, data); err != nil {
			return nil, err
		}
	}
	op, err := system.Open(s.From, m.Stdin, m.OpenLive)
	if err != nil {
		return nil, err
	}
	if adv != nil {
		op.Info.Advanced = adv
	}
	return m.ReadSource(op, s.User)
}

// OpenState reads a state from a source (stdin for "-") with user's WinINet settings.
func (m *Machine) OpenState(from string, stdin io.Reader, user string) (*StateSource, error) {
	op, err := system.Open(from, stdin, m.OpenLive)
	if err != nil {
		return nil, err
	}
	return m.ReadSource(op, user)
}

// ReadSource reads the state of an opened source, with user's WinINet settings; the live
// registry adds the advanced WinHTTP settings (netsh) and the process's proxy variables.
func (m *Machine) ReadSource(op *system.Opened, user string) (*StateSource, error) {
	src := model.Source{Kind: op.Info.Kind, Boot: op.Info.BootTime}
	if op.Info.Path != "" {
		src.Path = model.Ptr(op.Info.Path)
	}
	if op.Info.Host != "" {
		src.Host = model.Ptr(op.Info.Host)
	}
	if op.Info.Kind == model.SourceRegistry && op.Info.Advanced == nil && op.Info.AdvancedReason == "" {
		op.Info.Advanced, op.Info.AdvancedReason = system.ReadLiveAdvanced(m.ShowAdvproxy)
	}
	opts := model.ReadOptions{
		Source: src, User: user, Users: op.Users, Now: m.Now(),
		CurrentUserName: op.Info.CurrentUserName, CurrentUserSID: op.Info.CurrentUserSID,
		InputName: op.InputName, InputWarnings: op.Info.Warnings,
		Advanced: op.Info.Advanced, AdvancedReason: op.Info.AdvancedReason, Services: op.Info.Services,
		WinHTTPBytesUnknown: op.Info.WinHTTPBytesUnknown,
	}
	if op.Info.Kind == model.SourceRegistry {
		opts.Environment = m.proxyEnvironment()
	}
	m.logSource(op, user)
	st, err := model.ReadState(m.traced(op.Store), opts)
	if err != nil {
		return nil, err
	}
	return &StateSource{State: st, Store: op.Store, Opts: opts}, nil
}

// proxyEnvironment is the process's proxy variables, which some tools use instead of either stack.
func (m *Machine) proxyEnvironment() *model.Environment {
	e := &model.Environment{}
	for _, v := range []struct {
		names  []string
		dst    **string
		redact func(string) string
	}{{[]string{"HTTP_PROXY", "http_proxy"}, &e.HTTPProxy, model.RedactURL}, {[]string{"HTTPS_PROXY", "https_proxy"}, &e.HTTPSProxy, model.RedactURL}, {[]string{"NO_PROXY", "no_proxy"}, &e.NoProxy, model.RedactProxyList}} {
		for _, n := range v.names {
			if s := m.Getenv(n); s != "" {
				*v.dst = model.Ptr(v.redact(s))
				break
			}
		}
	}
	return e
}

// logSource logs what a state was read from (--log-level debug).
func (m *Machine) logSource(op *system.Opened, user string) {
	if m.Log.GetLevel() > zerolog.DebugLevel {
		return
	}
	if user == "" {
		user = "current"
	}
	m.Log.Debug().Str("kind", string(op.Info.Kind)).Str("input", op.InputName).Str("user", user).
		Str("hives", strings.Join(op.Users, ",")).Int("inputWarnings", len(op.Info.Warnings)).
		Bool("advancedKnown", op.Info.Advanced != nil).Msg("opened the source")
}

// tracedStore logs each registry read at trace level, by key, name, type and size, never
// its bytes. It wraps only stores that list keys too, so that the domain's type assertion
// for a Lister sees the same store it would.
type tracedStore struct {
	listingStore
	log zerolog.Logger
}

type listingStore interface {
	system.Store
	system.Lister
}

func (m *Machine) traced(s system.Store) system.Store {
	l, ok := s.(listingStore)
	if !ok || m.Log.GetLevel() > zerolog.TraceLevel {
		return s
	}
	return tracedStore{l, m.Log}
}

func (t tracedStore) ReadValue(path, name string) (*system.Value, error) {
	v, err := t.listingStore.ReadValue(path, name)
	ev := t.log.Trace().Str("key", path).Str("value", name)
	switch {
	case err != nil:
		ev = ev.Str("error", model.RedactCredentials(err.Error()))
	case v == nil:
		ev = ev.Bool("exists", false)
	default:
		ev = ev.Str("type", model.RegTypeName(v.Type)).Int("bytes", len(v.Data))
	}
	ev.Msg("read")
	return v, err
}

func (t tracedStore) Key(path string) (model.KeyInfo, error) {
	k, err := t.listingStore.Key(path)
	t.log.Trace().Str("key", path).Bool("exists", err == nil && k.Exists).Msg("key")
	return k, err
}
