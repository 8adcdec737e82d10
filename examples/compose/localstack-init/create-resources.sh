#!/bin/bash
# LocalStack "ready" init hook (mounted into /etc/localstack/init/ready.d): creates the
# docker-compose example's resources. Sluice starts once this has succeeded (the
# localstack health check reads /_localstack/init/ready). The names here are the ones
# examples/compose/sluice.config.yaml and the README walk-through use.
set -euo pipefail
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1

# SQS: `orders` (3 receives, then its dead-letter queue), fed by the SNS topic `orders-topic`.
awslocal sqs create-queue --queue-name orders-dlq
awslocal sqs create-queue --queue-name orders --attributes '{
  "VisibilityTimeout": "30",
  "RedrivePolicy": "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:orders-dlq\",\"maxReceiveCount\":\"3\"}"
}'
awslocal sns create-topic --name orders-topic
awslocal sns subscribe --topic-arn arn:aws:sns:us-east-1:000000000000:orders-topic \
  --protocol sqs --notification-endpoint arn:aws:sqs:us-east-1:000000000000:orders \
  --attributes RawMessageDelivery=true

# Kinesis: `clicks`, and `clicks-failures`, the on-failure destination of its mapping.
awslocal kinesis create-stream --stream-name clicks --shard-count 1
awslocal kinesis wait stream-exists --stream-name clicks
awslocal sqs create-queue --queue-name clicks-failures

# DynamoDB: `customers` with a stream (its ARN is only known now: the README maps it).
awslocal dynamodb create-table --table-name customers \
  --attribute-definitions AttributeName=id,AttributeType=S --key-schema AttributeName=id,KeyType=HASH \
  --billing-mode PAY_PER_REQUEST --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES

# Lambda: `clicks-handler`, the target of the `clicks` function (LocalStack runs it in a
# container of its own, through the Docker socket).
python3 -m zipfile -c /tmp/clicks-handler.zip /opt/examples/clicks-lambda/index.mjs
awslocal lambda create-function --function-name clicks-handler \
  --runtime nodejs20.x --handler index.handler --timeout 30 \
  --role arn:aws:iam::000000000000:role/lambda-role --zip-file fileb:///tmp/clicks-handler.zip
awslocal lambda wait function-active-v2 --function-name clicks-handler

echo "sluice example resources created"
