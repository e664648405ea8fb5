# posfault's image: the `posfault` CLI (run, proxy, switch, issuer, decode). docker-compose.yml builds it.
#   docker build -t posfault .
#   docker run --rm posfault run scenarios/smoke.yaml
FROM node:20-slim AS build
WORKDIR /app
# --ignore-scripts: `prepare` would compile before the sources are copied; the build step below does it.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY harness ./harness
COPY proxies ./proxies
RUN npm run build

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY scenarios ./scenarios
# State (the issuer's ledger, the switch's store-and-forward queue) and run output live in volumes owned by the
# unprivileged user.
RUN mkdir -p /data /app/out && chown node:node /data /app/out
USER node
ENTRYPOINT ["node", "dist/harness/cli/main.js"]
CMD ["--help"]
