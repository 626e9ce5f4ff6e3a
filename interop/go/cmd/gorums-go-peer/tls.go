package main

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// serverCreds are the gRPC server options for an optional TLS certificate.
func serverCreds(certFile, keyFile string) ([]grpc.ServerOption, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	creds, err := credentials.NewServerTLSFromFile(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return []grpc.ServerOption{grpc.Creds(creds)}, nil
}

// dialCreds are the dial options: TLS trusting caFile if given, else
// plaintext.
func dialCreds(caFile, serverName string) ([]grpc.DialOption, error) {
	if caFile == "" {
		return []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, nil
	}
	creds, err := credentials.NewClientTLSFromFile(caFile, serverName)
	if err != nil {
		return nil, err
	}
	return []grpc.DialOption{grpc.WithTransportCredentials(creds)}, nil
}
