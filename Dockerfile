# sluice gateway image: a static binary on a distroless base, running as non-root.
#
#   docker build -t sluice .
#   docker run -p 8080:8080 -e APP_POOL_SIZE=1000 \
#     -v $(pwd)/config.json:/app/config/config.json sluice
#
# Arguments after the image name replace the default "-config ..." flag, for example
# "docker run -p 8080:8080 sluice -demo" to try it without a config file.

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/sluice ./cmd/sluice

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/sluice /app/sluice
# Inside a container the gateway must listen on every interface, not loopback.
ENV APP_HOST=0.0.0.0 \
    APP_PORT=8080
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/app/sluice"]
CMD ["-config", "/app/config/config.json"]
