package bedrock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// signingName is the service name Bedrock's runtime API is signed for.
const signingName = "bedrock"

// credentialChain holds the AWS default credential chain (environment, shared config
// and credentials files with AWS_PROFILE, SSO, container and instance roles). It is
// loaded on first use, so that a provider whose keys all carry static credentials
// never reads the environment, and a failed load is tried again on the next call.
type credentialChain struct {
	mu       sync.Mutex
	provider aws.CredentialsProvider
}

// retrieve returns the chain's current credentials. The SDK caches them and
// refreshes them before they expire.
func (c *credentialChain) retrieve(ctx context.Context) (aws.Credentials, error) {
	c.mu.Lock()
	if c.provider == nil {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			c.mu.Unlock()
			return aws.Credentials{}, err
		}
		c.provider = cfg.Credentials
	}
	p := c.provider
	c.mu.Unlock()
	if p == nil {
		return aws.Credentials{}, errNoChain
	}
	return p.Retrieve(ctx)
}

var errNoChain = errors.New("bedrock: the default credential chain has no source")

// authorizer says how one call is authenticated: a SigV4 signature with creds, or a
// Bedrock API key sent as a bearer token.
type authorizer struct {
	creds  aws.Credentials
	bearer string
	region string
}

// authorize resolves the credentials of key: its static access and secret keys when
// set, its value as a Bedrock API key when that is all it has, otherwise the default
// credential chain.
func (p *Provider) authorize(ctx context.Context, key *schemas.Key,
	cfg *schemas.BedrockKeyConfig) (authorizer, error) {
	a := authorizer{region: cfg.Region}
	if a.region == "" {
		a.region = DefaultRegion
	}
	switch {
	case cfg.AccessKey != "" && cfg.SecretKey != "":
		a.creds = aws.Credentials{AccessKeyID: cfg.AccessKey,
			SecretAccessKey: cfg.SecretKey, SessionToken: cfg.SessionToken}
		return a, nil
	case cfg.AccessKey != "" || cfg.SecretKey != "":
		return a, schemas.NewError(schemas.ErrNoKey, p.name,
			"key %q sets only one of bedrock_key_config access_key and secret_key; "+
				"set both, or neither to use the default AWS credential chain", keyID(key))
	case key != nil && key.Value != "":
		a.bearer = key.Value
		return a, nil
	}
	creds, err := p.chain.retrieve(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return a, providers.NetworkError(ctx, p.name, err)
		}
		e := schemas.NewError(schemas.ErrAuth, p.name,
			"no AWS credentials: set bedrock_key_config access_key and secret_key, or "+
				"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile with "+
				"AWS_PROFILE (%v)", err)
		e.Cause = err
		return a, e
	}
	a.creds = creds
	return a, nil
}

// sign returns the Call hook that authenticates the request last, once every other
// header is set: a signature covers them all.
func (p *Provider) sign(ctx context.Context, a authorizer) func(*http.Request, []byte) error {
	return func(req *http.Request, body []byte) error {
		if a.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+a.bearer)
			return nil
		}
		sum := sha256.Sum256(body)
		err := p.signer.SignHTTP(ctx, a.creds, req, hex.EncodeToString(sum[:]),
			signingName, a.region, time.Now())
		if err != nil {
			return schemas.NewError(schemas.ErrAuth, p.name, "cannot sign the request: %v",
				err)
		}
		return nil
	}
}

// keyID names key in messages without revealing it.
func keyID(key *schemas.Key) string {
	if key == nil {
		return ""
	}
	return key.ID
}
