# Build: compile TypeScript to dist/ and bundle the workflows once (npm run build).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY db ./db
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY auth ./auth
COPY operator ./operator
COPY api ./api
COPY worker ./worker
COPY cli ./cli
COPY temporal ./temporal
COPY metrics ./metrics
COPY codec-server ./codec-server
RUN npm run build

# Runtime: production dependencies (no tsx, no TypeScript) and the compiled JavaScript only.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "dist/api/main.js"]
