package config

import (
	"crypto/tls"
	"fmt"
)

// TLSConfig loads TLSCert and TLSKey into a server configuration that accepts TLS 1.2
// and later. It returns nil and no error when TLS is not configured. The files are
// read once, at start-up; a renewed certificate takes a restart.
func (s *Settings) TLSConfig() (*tls.Config, error) {
	if s.TLSCert == "" && s.TLSKey == "" {
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("cannot load the TLS certificate %s and key %s: %w; "+
			"check -tls-cert and -tls-key (PEM files, the key matching the certificate)",
			s.TLSCert, s.TLSKey, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}
