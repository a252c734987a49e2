/**
 * Generated from spec/openapi.yaml by `npm run gen`. Do not edit by hand: edit the YAML, then run `npm run gen`.
 */

export interface paths {
    "/chat/completions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * 创建聊天对话请求 — create a chat completion
         * @description 根据指定的聊天对话生成模型回复 — generates the model's reply to the given conversation.
         */
        post: operations["createChatCompletion"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the models the key may use. */
        get: operations["listModels"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description The request body. Unknown fields are not forbidden by the documents, so they stay valid. Cross-field rule not expressed here: top_logprobs requires logprobs true (000_96bde8db4d236014.txt). */
        ChatCompletionRequest: {
            /** @description Name of the model to use (要使用的模型名称). */
            model: string;
            /** @description The messages that make up the conversation so far. */
            messages: components["schemas"]["Message"][];
            /** @description Maximum number of tokens to generate. Required in 000/001, optional in 003; read as optional. When the prompt plus max_tokens exceeds the context window, max_tokens is lowered by default instead of erroring. */
            max_tokens?: number;
            /** @description Maximum number of completion tokens (最大补全 Token 数). */
            max_completion_tokens?: number;
            /**
             * @description Stream partial progress as data-only server-sent events terminated by `data: [DONE]`.
             * @default false
             */
            stream?: boolean | null;
            /** @description Options for a streamed response; only set when stream is true. */
            stream_options?: components["schemas"]["StreamOptions"] | null;
            /**
             * @description How many completions to generate for the prompt.
             * @default 1
             */
            n?: number | null;
            /** @description Best-effort deterministic sampling for repeated requests with the same seed and parameters. */
            seed?: number | null;
            /**
             * @description Penalises new tokens by their frequency in the text so far.
             * @default 0
             */
            frequency_penalty?: number | null;
            /**
             * @description Penalises new tokens by whether they already appear in the text.
             * @default 0
             */
            presence_penalty?: number | null;
            /** @description Multiplicative penalty on repeated tokens; 1.0 means none, above 1.0 discourages repetition. */
            repetition_penalty?: number | null;
            /** @description Up to 4 sequences at which generation stops. The returned text includes the stop sequence (unlike the OpenAI convention, which excludes it). */
            stop?: string | string[] | null;
            /**
             * @description Sampling temperature between 0 and 2; higher is more random.
             * @default 1
             */
            temperature?: number | null;
            /** @description Nucleus sampling; only the tokens within the top_p probability mass are considered. */
            top_p?: number | null;
            /** @description Top-k sampling; only the k most likely next tokens are candidates. */
            top_k?: number | null;
            /** @description Minimum probability for a token to be considered, relative to the most likely token. */
            min_p?: number | null;
            /**
             * @description Maps token ids (as strings) to a bias between -100 and 100 added to the logits before sampling.
             * @default null
             */
            logit_bias?: {
                [key: string]: number;
            } | null;
            /**
             * @description Whether to return the log probability of each output token of the message content.
             * @default false
             */
            logprobs?: boolean | null;
            /** @description Number of most likely tokens to return at each position, each with its log probability. When used, logprobs must be true (a cross-field rule this schema does not express). */
            top_logprobs?: number | null;
            /** @description Tools the model may call; only functions are supported. */
            tools?: components["schemas"]["Tool"][] | null;
            tool_choice?: components["schemas"]["ToolChoice"];
            /** @description Forces an output format (text, JSON mode or structured output). In JSON mode the messages must also ask for JSON, and content cut off by finish_reason "length" may be incomplete JSON (002_911505efb3194a71.txt). */
            response_format?: components["schemas"]["ResponseFormat"] | null;
            /**
             * @description Move the reasoning out of `content` into `reasoning_content`.
             * @default false
             */
            separate_reasoning?: boolean | null;
            /**
             * @description Switches between thinking and non-thinking mode.
             * @default true
             */
            enable_thinking?: boolean | null;
            /** @description An identifier of the end user. */
            user?: string;
            /** @description Reasoning effort, for models that reason (推理强度). */
            reasoning_effort?: string;
            /** @description Output modalities requested. */
            modalities?: string[];
            audio?: components["schemas"]["AudioOptions"];
        };
        /** @description One message of the conversation. */
        Message: {
            /**
             * @description Author of the message; 000 lists system, user and assistant, 003 adds tool messages.
             * @enum {string}
             */
            role: "system" | "user" | "assistant" | "tool";
            /** @description Text, an array of content parts, or null (an assistant message that calls functions may have null content). */
            content: string | components["schemas"]["ContentPart"][] | null;
            /** @description Name of the author; a-z, A-Z, 0-9 and underscores, at most 64 characters. */
            name?: string;
            /** @description Tool calls an assistant message made. */
            tool_calls?: components["schemas"]["ToolCall"][];
            /** @description Id of the tool call a tool message answers. */
            tool_call_id?: string;
            /** @description Reasoning of an earlier assistant turn. */
            reasoning_content?: string;
        };
        /** @description One part of a message's content, selected by `type`. */
        ContentPart: components["schemas"]["TextPart"] | components["schemas"]["ImageUrlPart"] | components["schemas"]["VideoUrlPart"] | components["schemas"]["InputAudioPart"] | components["schemas"]["FilePart"];
        TextPart: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "text";
            text: string;
        };
        /** @description Vision models only. */
        ImageUrlPart: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "image_url";
            /** @description `{url, detail}`; 000 types it as a string yet nests a required `url`, 001's example sends a string and 003 types it as an object, so both forms are valid. */
            image_url: {
                /** @description The image URL or base64-encoded image data (claude models accept base64 only). */
                url: string;
                detail?: string;
            } | string;
        };
        /** @description Models that support video only. */
        VideoUrlPart: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "video_url";
            /** @description `{url}`; typed string in 000 with a nested `url`, an object in 003, so both forms are valid. */
            video_url: {
                /** @description The video URL. */
                url: string;
            } | string;
        };
        InputAudioPart: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "input_audio";
            input_audio: {
                /** @description Base64-encoded audio data. */
                data: string;
                format: string;
            };
        };
        FilePart: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "file";
            file: {
                filename?: string;
                file_data?: string;
                file_id?: string;
            };
        };
        Tool: {
            /**
             * @description Only functions are supported (支持的类型：function).
             * @enum {string}
             */
            type: "function";
            function: components["schemas"]["FunctionDefinition"];
        };
        FunctionDefinition: {
            /** @description a-z, A-Z, 0-9, underscores and dashes, at most 64 characters. */
            name: string;
            description?: string | null;
            /** @description The function's parameters as a JSON Schema object. */
            parameters?: Record<string, unknown> | null;
            /**
             * @description Follow the parameters schema exactly when generating a call.
             * @default false
             */
            strict?: boolean;
        };
        /** @description A call the model made (in a response) or made earlier (in an assistant message of a request). */
        ToolCall: {
            id: string;
            /** @enum {string} */
            type: "function";
            function: {
                name: string;
                /** @description The arguments as a JSON text (a string, not an object). */
                arguments: string;
            };
        };
        /** @description none, auto, required, or one named function. 003 types tool_choice as `any` and its example sends null; the values follow the OpenAI convention. */
        ToolChoice: ("none" | "auto" | "required") | {
            /** @enum {string} */
            type: "function";
            function: {
                name: string;
            };
        } | null;
        ResponseFormat: {
            /**
             * @default text
             * @enum {string}
             */
            type: "text" | "json_object" | "json_schema";
            /** @description Structured-output settings; supported, and required, only when type is json_schema. */
            json_schema?: components["schemas"]["JsonSchemaFormat"] | null;
            /** @description The JSON-mode form of 002, `{"type": "json_object", "schema": {...}}`. */
            schema?: Record<string, unknown>;
        };
        JsonSchemaFormat: {
            /** @description a-z, A-Z, 0-9, underscores and dashes, at most 64 characters. */
            name: string;
            description?: string | null;
            /** @description The answer's JSON Schema; the documented types are string, number, integer, boolean, array, object, enum and anyOf. */
            schema?: Record<string, unknown> | null;
            /**
             * @description Always follow the schema exactly; only a subset of JSON Schema is supported then.
             * @default false
             */
            strict?: boolean;
        };
        StreamOptions: {
            /** @description Stream one extra chunk carrying the usage of the whole request before `data: [DONE]`. */
            include_usage?: boolean;
        };
        AudioOptions: {
            voice?: string;
            format?: string;
        };
        /** @description A non-streamed completion. */
        ChatCompletion: {
            /** @description Unique identifier of the response. */
            id: string;
            /**
             * @description Always `chat.completion`.
             * @constant
             */
            object: "chat.completion";
            /** @description Unix time in seconds at which the response was generated. */
            created: number;
            /** @description The model used for the completion. */
            model: string;
            /** @description The completion choices; at least one (n defaults to 1). */
            choices: components["schemas"]["Choice"][];
            /** @description Token usage; not marked required by the documents, and null is read as absent. */
            usage?: components["schemas"]["Usage"] | null;
        };
        Choice: {
            index: number;
            message: components["schemas"]["ResponseMessage"];
            /**
             * @description "stop" at a natural stop point or a stop sequence, "length" at the max_tokens limit; the documents list only those two (x-documented-enum). tool_calls, content_filter and function_call are the OpenAI values for a turn that ends in tool calls, is cut by a content filter, or calls a legacy function.
             * @enum {string}
             */
            finish_reason: "stop" | "length" | "tool_calls" | "content_filter" | "function_call";
            /** @description Log probabilities of the content tokens, when requested with logprobs. */
            logprobs?: components["schemas"]["ChoiceLogprobs"] | null;
        };
        ResponseMessage: {
            /**
             * @description The documents list system, user and assistant; a completion is expected to be authored by assistant.
             * @enum {string}
             */
            role: "system" | "user" | "assistant";
            content?: string | null;
            /** @description The reasoning steps; available when separate_reasoning is true. */
            reasoning_content?: string | null;
            tool_calls?: components["schemas"]["ResponseToolCall"][] | null;
        };
        /** @description A call the model made. 003 marks every field optional; a caller needs the id to answer the call and the function to run it, so those stay required, and the type may be left out. */
        ResponseToolCall: {
            id: string;
            /** @enum {string} */
            type?: "function";
            function: {
                name: string;
                /** @description The arguments as a JSON text (a string, not an object). */
                arguments: string;
            };
        };
        /** @description The documents name logprobs but describe no shape; this is the OpenAI shape. */
        ChoiceLogprobs: {
            content: components["schemas"]["TokenLogprob"][] | null;
        };
        /** @description One output token; servers differ on bytes and top_logprobs, so only token and logprob are required. */
        TokenLogprob: {
            token: string;
            /** @description A log probability; being ≤ 0 and finite is a semantic rule checked outside the schema. */
            logprob: number;
            /** @description The UTF-8 bytes of the token. */
            bytes?: number[] | null;
            top_logprobs?: components["schemas"]["TopLogprob"][] | null;
        };
        TopLogprob: {
            token: string;
            logprob: number;
            bytes?: number[] | null;
        };
        Usage: {
            /** @description Tokens in the prompt. */
            prompt_tokens: number;
            /** @description Tokens in the generated completion. */
            completion_tokens: number;
            /** @description Tokens used by the request (prompt + completion). */
            total_tokens: number;
        };
        /** @description The JSON payload of one `data:` event of a streamed completion. */
        ChatCompletionChunk: {
            id: string;
            /**
             * @description The OpenAI chunk type; 000 says the object is always chat.completion.
             * @constant
             */
            object: "chat.completion.chunk";
            /** @description Unix time in seconds. */
            created: number;
            model: string;
            /** @description Empty (`[]`) in the usage chunk. */
            choices: components["schemas"]["ChunkChoice"][];
            /** @description The usage of the whole request in the extra chunk before `data: [DONE]` when include_usage is set, null on every other chunk. */
            usage?: components["schemas"]["Usage"] | null;
        };
        ChunkChoice: {
            index: number;
            delta: components["schemas"]["Delta"];
            /**
             * @description Null (or absent, read as null) until the choice finishes, then one of the values of Choice.finish_reason.
             * @enum {string|null}
             */
            finish_reason?: "stop" | "length" | "tool_calls" | "content_filter" | "function_call" | null;
            logprobs?: components["schemas"]["ChoiceLogprobs"] | null;
        };
        /** @description The increment of a choice's message. */
        Delta: {
            /**
             * @description Sent on the first delta of a choice; later deltas may repeat it, or send null.
             * @enum {string|null}
             */
            role?: "system" | "user" | "assistant" | null;
            content?: string | null;
            /** @description The streamed counterpart of message.reasoning_content. */
            reasoning_content?: string | null;
            tool_calls?: components["schemas"]["ToolCallDelta"][] | null;
        };
        ToolCallDelta: {
            /** @description Position of the call in message.tool_calls; fragments with the same index concatenate. */
            index: number;
            /** @description Sent with the first fragment of a call; later fragments leave it out or send null. */
            id?: string | null;
            /** @enum {string|null} */
            type?: "function" | null;
            function?: {
                name?: string | null;
                /** @description A fragment of the arguments JSON text. */
                arguments?: string | null;
            };
        };
        /** @description The error body; the documents describe no errors. */
        ErrorResponse: {
            error: components["schemas"]["ErrorObject"];
        };
        /** @description Clients need only a message; OpenAI also sends type, param and code, which other servers leave out or replace (llama.cpp omits param; OpenRouter sends code, message and metadata). */
        ErrorObject: {
            message: string;
            type?: string;
            /** @description The offending request field, when there is one. */
            param?: string | null;
            code?: string | number | null;
        };
        Model: {
            id: string;
            /** @constant */
            object: "model";
            created?: number;
            owned_by?: string;
        };
        ModelList: {
            /** @constant */
            object: "list";
            data: components["schemas"]["Model"][];
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    createChatCompletion: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChatCompletionRequest"];
            };
        };
        responses: {
            /** @description The completion. With `stream` false or absent, one ChatCompletion JSON object; with `stream: true`, a data-only server-sent event stream of ChatCompletionChunk objects. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChatCompletion"];
                    "text/event-stream": components["schemas"]["ChatCompletionChunk"];
                };
            };
            /** @description The request is malformed or a parameter is invalid. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The Authorization header is missing or the key is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The model does not exist. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The method is not POST. */
            405: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The request body is too large. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description Too many requests; retry later. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The server failed. */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listModels: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The model list. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelList"];
                };
            };
            /** @description The Authorization header is missing or the key is not valid. */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
}
