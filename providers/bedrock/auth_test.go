package bedrock_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/bedrock"
	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/schemas"
)

// resign signs a copy of the received request again with creds, at the time the
// request states in X-Amz-Date, covering the headers it says it signed, and returns
// the Authorization header that results. SigV4 is deterministic given the time, so a
// request signed correctly gets back exactly its own header.
func resign(t *testing.T, u *upstream, got received, creds aws.Credentials, region string,
	body []byte) string {
	t.Helper()
	when, err := time.Parse("20060102T150405Z", got.Header.Get("X-Amz-Date"))
	if err != nil {
		t.Fatalf("X-Amz-Date: %v", err)
	}
	req, err := http.NewRequest(got.Method, u.URL+got.RawPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = got.Host
	req.ContentLength = int64(len(body))
	auth := got.Header.Get("Authorization")
	_, signed, ok := strings.Cut(auth, "SignedHeaders=")
	if !ok {
		t.Fatalf("Authorization %q names no signed headers", auth)
	}
	signed, _, _ = strings.Cut(signed, ",")
	for _, h := range strings.Split(signed, ";") {
		if h != "host" && h != "content-length" {
			req.Header[http.CanonicalHeaderKey(h)] = got.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(), creds, req,
		hex.EncodeToString(sum[:]), "bedrock", region, when)
	if err != nil {
		t.Fatal(err)
	}
	return req.Header.Get("Authorization")
}

// TestSigV4 checks the signature Bedrock would verify: re-signing the request as
// received, with the same credentials and time, gives the same Authorization header,
// for the ARN path with its escaped ':' and '/', the session token and a configured
// extra header included; a changed body or secret does not.
func TestSigV4(t *testing.T) {
	u := newUpstream(t, serveJSON(http.StatusOK, "", golden.Read(t, "response_text.json")))
	p, err := bedrock.New(providers.Options{Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: u.URL,
			ExtraHeaders: map[string]string{"X-Team": "search"}}}})
	if err != nil {
		t.Fatal(err)
	}
	key := &schemas.Key{ID: "temp", BedrockKeyConfig: &schemas.BedrockKeyConfig{
		AccessKey: accessKey, SecretKey: secretKey, SessionToken: sessionToken,
		Region: "eu-west-3", Deployments: staticKey.BedrockKeyConfig.Deployments}}
	if _, err := p.ChatCompletion(context.Background(), key, toolsRequest()); err != nil {
		t.Fatal(err)
	}
	got := u.last(t)

	auth := got.Header.Get("Authorization")
	date := got.Header.Get("X-Amz-Date")
	if len(date) < 8 {
		t.Fatalf("X-Amz-Date %q", date)
	}
	scope := "Credential=" + accessKey + "/" + date[:8] + "/eu-west-3/bedrock/aws4_request"
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 "+scope) {
		t.Errorf("Authorization %q, want scope %s", auth, scope)
	}
	if got.Header.Get("X-Amz-Security-Token") != sessionToken {
		t.Errorf("X-Amz-Security-Token %q", got.Header.Get("X-Amz-Security-Token"))
	}
	for _, h := range []string{"host", "x-amz-date", "x-amz-security-token", "x-team",
		"content-type"} {
		if !strings.Contains(auth, h) {
			t.Errorf("header %s is not signed: %s", h, auth)
		}
	}

	creds := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey,
		SessionToken: sessionToken}
	if again := resign(t, u, got, creds, "eu-west-3", got.Body); again != auth {
		t.Errorf("signature does not verify:\nsent     %s\nresigned %s", auth, again)
	}
	if again := resign(t, u, got, creds, "eu-west-3", append(got.Body, ' ')); again == auth {
		t.Error("a changed body verified: the body is not covered by the signature")
	}
	creds.SecretAccessKey = "another-secret"
	if again := resign(t, u, got, creds, "eu-west-3", got.Body); again == auth {
		t.Error("another secret verified the signature")
	}
}

// isolateAWS points the AWS default chain at an empty environment in a temporary
// directory, with the instance metadata service off so that no test reaches for it.
func isolateAWS(t *testing.T) string {
	dir := t.TempDir()
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	return dir
}

// chainKey has no static credentials, so the default chain supplies them.
var chainKey = &schemas.Key{ID: "chain", BedrockKeyConfig: &schemas.BedrockKeyConfig{
	Region: "ap-southeast-2"}}

// TestDefaultChain checks that a key without static credentials is signed with the
// AWS default chain: environment variables first, then a named profile.
func TestDefaultChain(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		creds aws.Credentials
	}{
		{"environment", func(t *testing.T, dir string) {
			t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
			t.Setenv("AWS_SESSION_TOKEN", "env-token")
		}, aws.Credentials{AccessKeyID: "AKIDENVIRONMENT", SecretAccessKey: "env-secret",
			SessionToken: "env-token"}},
		{"profile", func(t *testing.T, dir string) {
			file := "[default]\naws_access_key_id = AKIDDEFAULT\n" +
				"aws_secret_access_key = default-secret\n\n" +
				"[sluice-test]\naws_access_key_id = AKIDPROFILE\n" +
				"aws_secret_access_key = profile-secret\n"
			if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte(file),
				0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("AWS_PROFILE", "sluice-test")
		}, aws.Credentials{AccessKeyID: "AKIDPROFILE", SecretAccessKey: "profile-secret"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(t, isolateAWS(t))
			u := newUpstream(t, serveJSON(http.StatusOK, "", golden.Read(t, "response_text.json")))
			p := newProvider(t, u.URL)
			_, err := p.ChatCompletion(context.Background(), chainKey, textRequest())
			if err != nil {
				t.Fatal(err)
			}
			got := u.last(t)
			auth := got.Header.Get("Authorization")
			if !strings.Contains(auth, "Credential="+tc.creds.AccessKeyID+"/") {
				t.Errorf("Authorization %q does not use %s", auth, tc.creds.AccessKeyID)
			}
			if again := resign(t, u, got, tc.creds, "ap-southeast-2", got.Body); again != auth {
				t.Errorf("signature does not verify with the chain's credentials")
			}
		})
	}
}

// TestNoCredentials checks that a key the default chain cannot serve fails with an
// authentication error that says what to configure, before anything is sent.
func TestNoCredentials(t *testing.T) {
	isolateAWS(t)
	u := newUpstream(t, serveJSON(http.StatusOK, "", nil))
	_, err := newProvider(t, u.URL).ChatCompletion(context.Background(), chainKey, textRequest())
	if !errors.Is(err, schemas.ErrAuth) || !strings.Contains(err.Error(), "AWS_PROFILE") {
		t.Fatalf("got %v, want ErrAuth naming the ways to configure credentials", err)
	}
	if u.count() != 0 {
		t.Error("a request was sent without credentials")
	}

	half := &schemas.Key{ID: "half", BedrockKeyConfig: &schemas.BedrockKeyConfig{
		AccessKey: accessKey}}
	_, err = newProvider(t, u.URL).ChatCompletion(context.Background(), half, textRequest())
	if !errors.Is(err, schemas.ErrNoKey) || !strings.Contains(err.Error(), "secret_key") {
		t.Fatalf("access key alone: %v, want ErrNoKey naming secret_key", err)
	}
}

// TestAPIKey checks that a key with a value and no AWS credentials is sent as a
// Bedrock API key, in a bearer header, unsigned.
func TestAPIKey(t *testing.T) {
	u := newUpstream(t, serveJSON(http.StatusOK, "", golden.Read(t, "response_text.json")))
	key := &schemas.Key{ID: "api", Value: "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl"}
	if _, err := newProvider(t, u.URL).ChatCompletion(context.Background(), key,
		textRequest()); err != nil {
		t.Fatal(err)
	}
	got := u.last(t)
	if got.Header.Get("Authorization") != "Bearer "+key.Value ||
		got.Header.Get("X-Amz-Date") != "" {
		t.Errorf("Authorization %q, X-Amz-Date %q", got.Header.Get("Authorization"),
			got.Header.Get("X-Amz-Date"))
	}
}

// roundTripper answers every request itself, recording its URL, so that the default
// endpoint can be checked without reaching AWS.
type roundTripper struct{ urls []string }

func (rt *roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.urls = append(rt.urls, r.URL.Scheme+"://"+r.URL.Host+r.URL.EscapedPath())
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{},
		Body: io.NopCloser(strings.NewReader(`{"output":{"message":{"role":"assistant",` +
			`"content":[{"text":"ok"}]}},"stopReason":"end_turn"}`)), Request: r}, nil
}

// TestEndpoint checks the regional default endpoint, the default region, and a
// configured base_url that keeps the {region} placeholder.
func TestEndpoint(t *testing.T) {
	cases := []struct {
		baseURL string
		key     *schemas.Key
		want    string
	}{
		{"", staticKey, "https://bedrock-runtime.us-west-2.amazonaws.com/model/" +
			"anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"},
		{"", &schemas.Key{BedrockKeyConfig: &schemas.BedrockKeyConfig{AccessKey: "A",
			SecretKey: "S"}},
			"https://bedrock-runtime.us-east-1.amazonaws.com/model/claude/converse"},
		{"https://vpce-1.bedrock-runtime.{region}.vpce.amazonaws.com/", staticKey,
			"https://vpce-1.bedrock-runtime.us-west-2.vpce.amazonaws.com/model/" +
				"anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"},
	}
	for _, tc := range cases {
		rt := &roundTripper{}
		p, err := bedrock.New(providers.Options{Client: &http.Client{Transport: rt},
			Config: &schemas.ProviderConfig{NetworkConfig: schemas.NetworkConfig{
				BaseURL: tc.baseURL}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.ChatCompletion(context.Background(), tc.key, textRequest()); err != nil {
			t.Fatal(err)
		}
		if len(rt.urls) != 1 || rt.urls[0] != tc.want {
			t.Errorf("base_url %q: sent to %v, want %s", tc.baseURL, rt.urls, tc.want)
		}
	}
}
