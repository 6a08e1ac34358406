# The web front end (staff workbench /workbench/, citizens' pages /m/) as its own small image for
# Kubernetes (deploy/k8s/base/web.yaml): built with Vite from web/ (API types generated from the
# committed web/openapi/*.json), served by unprivileged nginx with deploy/nginx/web-static.conf.
# Build from the repository root:  docker build -f deploy/web.Dockerfile -t minqing-web:latest .
FROM node:20-bookworm-slim AS build
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web ./
RUN npm run build

FROM nginxinc/nginx-unprivileged:1.27-alpine
COPY deploy/nginx/web-static.conf /etc/nginx/conf.d/default.conf
COPY --from=build /src/web/dist /usr/share/nginx/minqing
EXPOSE 8080
