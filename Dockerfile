# Build: docker build -t nsq .
# Run:   docker run -p 4150:4150 -p 4151:4151 -v nsq-data:/data nsq

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Every folder under cmd/, apps/ and bench/ with Go files is one binary.
RUN set -eu; \
    pkgs=$(for d in cmd/*/ apps/*/ bench/*/; do \
        if ls "$d"*.go >/dev/null 2>&1; then echo "./${d%/}"; fi; done); \
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/ $pkgs

FROM debian:bookworm-slim
# wget is for health checks and hooks: the daemons answer GET /ping with 200
# when healthy, and wget exits non-zero on any other answer.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates wget \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
# Links in / keep setups that run /nsqd, /nsqlookupd, ... working.
RUN cd / && for f in /usr/local/bin/*; do ln -s "$f" "/$(basename "$f")"; done
VOLUME /data
EXPOSE 4150 4151 4152 4160 4161 4171
CMD ["nsqd", "--data-path=/data"]
