FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY config ./config
COPY db ./db
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY api ./api
COPY auth ./auth
COPY operator ./operator
COPY cli ./cli
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "api/main.ts"]
